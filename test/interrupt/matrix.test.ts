import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { CASES, FAULT_PHASES, type FaultKind, judgeCase, KINDS, runCase } from './matrix.ts';

/**
 * In npm test, a diagonal of the fault matrix: every kind of fault, and every phase, at least once
 * (the whole matrix, every kind at every phase, is `npm run fault-matrix`).
 */
const PHASES = CASES.filter((c) => FAULT_PHASES.includes(c.phase));
const IN_TEST: Array<{ kind: FaultKind; phase: string }> = Array.from(
  { length: Math.max(KINDS.length, PHASES.length) },
  (_, i) => ({
    kind: KINDS[i % KINDS.length] as FaultKind,
    phase: (PHASES[i % PHASES.length] as (typeof PHASES)[number]).phase,
  }),
);

describe('faults at each phase of build and distribution, then the same command again', () => {
  let emulator: Emulator;
  const finalImages = new Set<string>();
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());

  it('the diagonal covers every kind and every phase', () => {
    assert.deepEqual(new Set(IN_TEST.map((c) => c.kind)), new Set(KINDS));
    assert.deepEqual(new Set(IN_TEST.map((c) => c.phase)), new Set(FAULT_PHASES));
  });

  for (const { kind, phase } of IN_TEST) {
    it(`${kind} at ${phase}: the documented exit, nothing left behind, the re-run finishes with one image per region`, async () => {
      const c = CASES.find((x) => x.phase === phase);
      assert.ok(c);
      const outcome = await runCase(emulator, c, finalImages, kind);
      assert.deepEqual(judgeCase(outcome), [], outcome.interrupted.stderr.slice(-1500));
    });
  }
});
