/**
 * The wasm backend's Emscripten module adds `process.on('uncaughtException', ex => { throw ex })` (and the
 * same for unhandledRejection) when it starts, and never removes them (its `_dispose` filter is broken).
 * A rethrow from inside the handler makes Node print the handler's source line before the error: the
 * whole minified tfjs-backend-wasm.js, about 38 KB on one line, in front of a student's TypeError. Node
 * reports an uncaught error well by itself, so the kit removes what the module added.
 */
const EVENTS = ['uncaughtException', 'unhandledRejection'] as const;
type Listener = (...args: unknown[]) => void;

/** Runs `start` and removes the uncaughtException/unhandledRejection listeners it added to `proc`. */
export async function withoutAddedCrashListeners<T>(start: () => Promise<T>, proc: NodeJS.Process = process): Promise<T> {
  const emitter = proc as unknown as NodeJS.EventEmitter;
  const before = new Map(EVENTS.map((e) => [e, new Set(emitter.listeners(e))]));
  try {
    return await start();
  } finally {
    for (const e of EVENTS) {
      for (const l of emitter.listeners(e)) {
        if (!before.get(e)!.has(l)) emitter.removeListener(e, l as Listener);
      }
    }
  }
}
