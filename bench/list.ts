/**
 * List fan-out: `sindri packer list --all-regions` (every page of every region, default concurrency 8)
 * against the same listing one call at a time, in process against the emulator with a fixed 40 ms
 * answer time per call (a nearby region's round trip). Run: ./node_modules/.bin/node bench/list.ts
 */
import { runList } from '../src/lifecycle/list.ts';
import { startEmulator } from '../test/emulator/index.ts';
import { emulatorEnv } from '../test/helpers/cloud-env.ts';
import { seedImage, sindriTags } from '../test/lifecycle/helpers.ts';
import { summary } from './lib.ts';

const RTT_MS = 40;
const emu = await startEmulator();
const env = emulatorEnv(emu.url);
const regions: Array<[string, number]> = [
  ['cn-hangzhou', 450],
  ['cn-shanghai', 120],
  ['cn-beijing', 60],
  ['ap-southeast-1', 30],
  ['eu-central-1', 10],
];
for (const [region, n] of regions)
  for (let i = 0; i < n; i++)
    seedImage(emu, { region, name: `bench-${region}-${i}`, tags: sindriTags(`b${i}`) });
const total = regions.reduce((a, [, n]) => a + n, 0);

async function timed(concurrency: number): Promise<{ ms: number; calls: number }> {
  emu.admin.clearRequestLog();
  const started = performance.now();
  const result = await runList({ allRegions: true, concurrency, env, cwd: env.HOME as string });
  const ms = performance.now() - started;
  if (result.images.length !== total) throw new Error(`listed ${result.images.length} of ${total}`);
  return { ms, calls: emu.admin.requestLog().length };
}

try {
  await timed(8); // warm-up: loads the SDK
  emu.admin.injectFault({ action: '*', latencyMs: RTT_MS });
  const seq: number[] = [];
  const fan: number[] = [];
  let calls = 0;
  for (let i = 0; i < 3; i++) {
    seq.push((await timed(1)).ms);
    const f = await timed(8);
    fan.push(f.ms);
    calls = f.calls;
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[1] ?? 0;
  const s = med(seq);
  const f = med(fan);
  console.log(
    `\nList fan-out: ${total} images in ${regions.length} regions (+ all 23 searched), ${calls} calls, ${RTT_MS} ms per call`,
  );
  console.log('| mode | median ms (3 runs) | ratio to one-at-a-time |');
  console.log('|---|---:|---:|');
  console.log(`| one call at a time (concurrency 1) | ${s.toFixed(0)} | 1.00 |`);
  console.log(`| fan-out (concurrency 8, default) | ${f.toFixed(0)} | ${(f / s).toFixed(2)} |`);
  summary({
    bench: 'list',
    measure: `list --all-regions, ${total} images, ${calls} calls`,
    value: f,
    baseline: s,
    baselineLabel: 'one call at a time',
    unit: 'ms',
    target: '<= 0.25',
  });
} finally {
  await emu.stop();
}
