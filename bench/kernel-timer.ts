import { tf } from '#kit/tf';

/**
 * Times every kernel of a backend by wrapping its registered kernel functions: exclusive wall time per
 * kernel name (a kernel that calls another, like the kit's matmul fix calling Transpose, is charged
 * only for its own part). Unlike tf.profile, it adds only two clock reads per kernel call, so the
 * step's remaining time — tfjs-layers, autodiff bookkeeping, the engine — can be read as overhead.
 */
export interface KernelTimes {
  /** Exclusive milliseconds per kernel name since install. */
  ms: Map<string, number>;
  calls: Map<string, number>;
  reset(): void;
  uninstall(): void;
}

export function installKernelTimer(backendName = tf.getBackend()): KernelTimes {
  const originals: tf.KernelConfig[] = [];
  const ms = new Map<string, number>();
  const calls = new Map<string, number>();
  const stack: number[] = []; // child time accumulated for each open call
  for (const config of tf.getKernelsForBackend(backendName)) {
    originals.push(config);
    const inner = config.kernelFunc;
    const name = config.kernelName;
    const timed: tf.KernelFunc = (params) => {
      const start = performance.now();
      stack.push(0);
      try {
        return inner(params);
      } finally {
        const elapsed = performance.now() - start;
        const children = stack.pop()!;
        ms.set(name, (ms.get(name) ?? 0) + elapsed - children);
        calls.set(name, (calls.get(name) ?? 0) + 1);
        if (stack.length > 0) stack[stack.length - 1]! += elapsed;
      }
    };
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({ ...config, kernelFunc: timed });
  }
  return {
    ms,
    calls,
    reset() {
      ms.clear();
      calls.clear();
    },
    uninstall() {
      for (const config of originals) {
        tf.unregisterKernel(config.kernelName, backendName);
        tf.registerKernel(config);
      }
    },
  };
}
