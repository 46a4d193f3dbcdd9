/**
 * `npx tsx bench/gpu-adapter.ts`: the WebGPU adapters Dawn offers here and the one the kit's automatic
 * selection would take (bench/gpu-check.sh prints this). Exit code 3 when there is no hardware adapter.
 */
import { describeAdapter, pickAdapter, probeWebGpu, softwareAdapterReason } from '../kit/tf/webgpu.ts';

const probe = await probeWebGpu();
for (const a of probe.adapters) {
  const software = softwareAdapterReason(a);
  console.log(`  adapter: ${describeAdapter(a)} [${software === undefined ? 'hardware' : `software: ${software}`}] (${a.description})`);
}
for (const [route, why] of Object.entries(probe.failures)) console.log(`  ${route}: ${why}`);
try {
  console.log(`  chosen: ${describeAdapter(pickAdapter(probe, false).adapter)}`);
} catch (err) {
  console.log(`  no hardware adapter: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 3;
}
