/**
 * The fault soak: `npm run soak -- [--runs 50] [--rate 0.2] [--attempts 8] [--no-packer-faults]`. Prints runs,
 * faults, retries, duplicates and leaks; exits 1 unless every run succeeded cleanly. See test/soak/soak.ts.
 */
import { parseArgs } from 'node:util';
import { startEmulator } from '../test/emulator/index.ts';
import { CASES, judgeCase, runCase } from '../test/interrupt/matrix.ts';
import { formatReport, runSoak } from '../test/soak/soak.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '50' },
    rate: { type: 'string', default: '0.2' },
    'no-packer-faults': { type: 'boolean', default: false },
    attempts: { type: 'string', default: '8' },
    'no-interrupts': { type: 'boolean', default: false },
  },
});
const emulator = await startEmulator();
try {
  const report = await runSoak(emulator, {
    runs: Number(values.runs),
    faultRate: Number(values.rate),
    packerFaults: !values['no-packer-faults'],
    retryAttempts: Number(values.attempts),
    onRun: (line) => console.log(line),
  });
  console.log(`\n${formatReport(report)}`);
  const clean =
    report.succeeded === report.runs &&
    report.leaks.length === 0 &&
    report.duplicates.length === 0 &&
    report.secretLeaks.length === 0;
  let interruptsClean = true;
  if (!values['no-interrupts']) {
    // The interrupt matrix on the same emulator: SIGINT at each phase, then the same command again.
    // The soak's own images are accounted for by its checks; only what the matrix adds is judged.
    const finalImages = new Set(emulator.admin.liveResources().images.map((i) => i.id));
    console.log('\ninterrupt matrix (SIGINT, then the same command again):');
    for (const c of CASES) {
      const wrong = judgeCase(await runCase(emulator, c, finalImages));
      if (wrong.length > 0) interruptsClean = false;
      console.log(
        `  ${c.phase}: ${wrong.length === 0 ? 'exit 130, no leaks, resumed to completion' : wrong.join('; ')}`,
      );
    }
  }
  process.exitCode = clean && interruptsClean ? 0 : 1;
} finally {
  await emulator.stop();
}
