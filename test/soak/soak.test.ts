import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { formatReport, runSoak } from './soak.ts';

describe('fault soak (short; npm run soak -- --runs 50 for the long one)', () => {
  let emulator: Emulator;
  before(async () => {
    emulator = await startEmulator();
  });
  after(() => emulator.stop());

  it('two builds with distribution under ~20% faults succeed, leak nothing, duplicate nothing', async () => {
    const report = await runSoak(emulator, { runs: 2, maxLatencyMs: 400 });
    const text = formatReport(report);
    assert.equal(report.succeeded, 2, text);
    assert.deepEqual(report.leaks, []);
    assert.deepEqual(report.duplicates, []);
    assert.deepEqual(report.secretLeaks, []);
    assert.ok(report.faults.sindri > 0 && report.calls.packer > 0, text);
    // Faults reached the client they were meant for (the emulator matches the signature method):
    // errors only on sindri's calls, latency only on packer's.
    const kinds = Object.keys(report.faults.byKind);
    assert.ok(
      kinds.some((k) => /^sindri (Throttling|InternalError|ServiceUnavailable|drop)/.test(k)),
      text,
    );
    assert.deepEqual(
      kinds.filter((k) => k.startsWith('packer ') && k !== 'packer latency'),
      [],
    );
  });
});
