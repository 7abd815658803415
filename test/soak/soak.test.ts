import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { formatReport, PACKER_SIGNATURE, runSoak, SDK_SIGNATURE } from './soak.ts';

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
    // Faults reached the client they were meant for: errors only on sindri's calls, latency on packer's.
    const log = emulator.admin.requestLog().filter((e) => e.fault);
    assert.ok(log.some((e) => e.signatureMethod === SDK_SIGNATURE && e.status !== 200));
    for (const e of log.filter((x) => x.signatureMethod === PACKER_SIGNATURE)) assert.equal(e.status, 200);
  });
});
