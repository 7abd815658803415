import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { CASES, judgeCase, runCase } from './matrix.ts';

/** The phases in npm test (the whole matrix runs in npm run soak): packer's last steps and distribution. */
const IN_TEST = CASES.filter((c) => /provision|image|distribute/.test(c.phase));

describe('SIGINT at each phase of build and distribution, then the same command again', () => {
  let emulator: Emulator;
  const finalImages = new Set<string>();
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());

  for (const c of IN_TEST) {
    it(`${c.phase}: exit 130, nothing leaked, the re-run finishes with one image per region`, async () => {
      const outcome = await runCase(emulator, c, finalImages);
      assert.deepEqual(judgeCase(outcome), [], outcome.interrupted.stderr.slice(-1500));
    });
  }
});
