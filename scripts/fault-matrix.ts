/**
 * The whole fault matrix: `npm run fault-matrix [-- --kinds SIGKILL,SIGHUP] [--phases provision]`.
 * Every kind of fault (SIGINT, SIGTERM, SIGHUP, a closed stdout pipe, SIGKILL) at every phase
 * (network, launch, provision, image, distribution) against the emulator with the real packer; prints
 * one row per case and exits 1 unless every case is right (see test/interrupt/matrix.ts).
 */
import { parseArgs } from 'node:util';
import { startEmulator } from '../test/emulator/index.ts';
import { CASES, FAULT_PHASES, type FaultKind, judgeCase, KINDS, runCase } from '../test/interrupt/matrix.ts';

const { values } = parseArgs({
  options: {
    kinds: { type: 'string', default: KINDS.join(',') },
    phases: { type: 'string', default: FAULT_PHASES.join(',') },
  },
});
const kinds = (values.kinds as string).split(',') as FaultKind[];
const phases = (values.phases as string).split(',');
const emulator = await startEmulator();
const finalImages = new Set<string>();
let wrongCases = 0;
const started = performance.now();
console.log('| fault | phase | faulted run | settled | left after | sweep --dry-run | re-run | verdict |');
console.log('|---|---|---|---:|---|---|---|---|');
try {
  for (const kind of kinds) {
    for (const phase of phases) {
      const c = CASES.find((x) => x.phase === phase);
      if (!c) throw new Error(`no phase ${phase}`);
      const o = await runCase(emulator, c, finalImages, kind);
      const wrong = judgeCase(o);
      if (wrong.length > 0) wrongCases++;
      const ended = `${o.interrupted.signal ?? `exit ${o.interrupted.code}`} after ${(o.interrupted.exitMs / 1000).toFixed(1)} s`;
      const sweep = o.sweep ? `${o.sweep.listed.length} listed, ${o.sweep.live.length} live` : '-';
      console.log(
        `| ${kind} | ${phase} | ${ended} | ${(o.settledMs / 1000).toFixed(1)} s | ${o.leaksAfterInterrupt.length} | ${sweep} | exit ${o.resumed.code} | ${wrong.length === 0 ? 'ok' : wrong.join('; ')} |`,
      );
    }
  }
} finally {
  await emulator.stop();
}
console.log(
  `\n${kinds.length * phases.length} cases, ${wrongCases} wrong, ${Math.round((performance.now() - started) / 1000)} s`,
);
process.exitCode = wrongCases === 0 ? 0 : 1;
