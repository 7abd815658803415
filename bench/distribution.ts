/**
 * Distribution wall time against the time of one copy, and DescribeImages polls per wait, against
 * the emulator with copies that take T. Run: ./node_modules/.bin/node bench/distribution.ts [T ms ...]
 */
import { FakeClock } from '../src/cloud/index.ts';
import { waitForCopy } from '../src/images/copy-wait.ts';
import {
  builtImage,
  copiesIn,
  run as distribute,
  HOME_REGION,
  harness,
} from '../test/distribution/helpers.ts';
import { startEmulator } from '../test/emulator/index.ts';
import { summary } from './lib.ts';

const REGIONS = ['cn-shanghai', 'cn-beijing', 'cn-shenzhen', 'ap-southeast-1', 'eu-central-1'];
const copyTimes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const TIMES = copyTimes.length > 0 ? copyTimes : [300, 1000, 3000];
const RUNS = 3;

const emu = await startEmulator({ timeScale: 1 });
const h = await harness(emu);
/** Polls (and overshoot) of the earlier fixed schedule: 200 ms, ×1.5, capped at 15 s. */
function fixedBackoff(T: number): string {
  let t = 0;
  let polls = 1;
  for (let d = 200; t < T; d = Math.min(15_000, d * 1.5)) {
    t += d;
    polls++;
  }
  return `${polls} (+${Math.round(t - T)} ms)`;
}

console.log('\nAgainst the emulator (real SDK calls, 5 copy regions, copies of T each):\n');
console.log(
  '| copy time T | copies | wall time (median of 3) | wall / T | polls per wait (min–max) | fixed 200 ms ×1.5 backoff |',
);
console.log('|---:|---|---:|---:|---:|---:|');
let n = 0;
for (const T of TIMES) {
  for (const encrypted of [false, true]) {
    const walls: number[] = [];
    const polls: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      emu.admin.reset();
      emu.admin.setTimeScale(1);
      emu.admin.setDelays({ imageCopy: T / 1000 });
      const buildId = `bench-${n++}`;
      const { record } = builtImage(emu, buildId, 'bench-image');
      const started = performance.now();
      const done = await distribute(h, record, {
        copyRegions: REGIONS,
        tags: {},
        encrypted,
        ...(encrypted ? { kmsKeyId: 'key-bench0000000000000000' } : {}),
        pollMinDelayMs: Math.min(1000, T / 8),
      });
      walls.push(performance.now() - started);
      if (done.status !== 'done') throw new Error(`distribution ${done.status}`);
      for (const region of [...REGIONS, ...(encrypted ? [HOME_REGION] : [])]) {
        if (copiesIn(emu, region, buildId).length !== 1) throw new Error(`${region}: not exactly one copy`);
        polls.push(done.regions[region]?.polls ?? 0);
      }
    }
    walls.sort((a, b) => a - b);
    const wall = walls[1] ?? 0;
    console.log(
      `| ${T} ms | ${REGIONS.length}${encrypted ? ' + encrypted in the build region' : ''} | ${Math.round(wall)} ms | ${(wall / T).toFixed(2)} | ${Math.min(...polls)}–${Math.max(...polls)} | ${fixedBackoff(T)} |`,
    );
    if (T === TIMES[1] && !encrypted)
      summary({
        bench: 'distribution',
        measure: `${REGIONS.length} parallel copies of ${T} ms each`,
        value: wall,
        baseline: T,
        baselineLabel: 'one copy',
        unit: 'ms',
        target: '<= 1.5',
      });
  }
}
await h.dispose();
await emu.stop();

// Real copies take minutes: the same waiter with production defaults (1 s – 30 s) on a fake clock.
console.log(
  '\nSimulated long copies (production poll bounds 1 s – 30 s, progress rounded down like the API):\n',
);
console.log('| copy time | polls per wait | noticed after | fixed 200 ms ×1.5 backoff (cap 15 s) |');
console.log('|---:|---:|---:|---:|');
for (const minutes of [2, 10, 30]) {
  const T = minutes * 60_000;
  const clock = new FakeClock();
  const start = clock.now();
  const result = await waitForCopy({
    poll: async () => {
      const elapsed = clock.now() - start;
      return elapsed >= T
        ? { status: 'Available' }
        : { status: 'Creating', progress: `${Math.floor((elapsed / T) * 100)}%` };
    },
    requestedAt: start,
    deadlineMs: 6 * 3_600_000,
    clock,
    what: 'a copy',
  });
  console.log(
    `| ${minutes} min | ${result.polls} | +${((result.elapsedMs - T) / 1000).toFixed(1)} s | ${fixedBackoff(T)} |`,
  );
  if (minutes === 10)
    summary({
      bench: 'polling',
      measure: 'status polls per wait, 10 min copy',
      value: result.polls,
      baseline: Number(fixedBackoff(T).split(' ')[0]),
      baselineLabel: 'fixed 200 ms ×1.5 backoff (cap 15 s)',
      unit: 'polls',
      target: '< 1',
    });
}
