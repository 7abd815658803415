import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock, realClock } from '../../src/cloud/clock.ts';

describe('FakeClock', () => {
  it('advances virtual time on sleep and records every sleep', async () => {
    const c = new FakeClock({ start: 1000 });
    await c.sleep(250);
    await c.sleep(-5);
    assert.equal(c.now(), 1250);
    assert.deepEqual(c.sleeps, [250, 0]);
  });

  it('holds sleepers until advance() passes their deadline when autoAdvance is off', async () => {
    const c = new FakeClock({ start: 0, autoAdvance: false });
    const woke: number[] = [];
    void c.sleep(100).then(() => woke.push(100));
    void c.sleep(300).then(() => woke.push(300));
    c.advance(150);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(woke, [100]);
    assert.equal(c.pending, 1);
    c.advance(150);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(woke, [100, 300]);
  });

  it('rejects an already-aborted or aborted sleep with the signal’s reason', async () => {
    const c = new FakeClock({ autoAdvance: false });
    await assert.rejects(c.sleep(10, AbortSignal.abort()), { name: 'AbortError' });
    const ac = new AbortController();
    const p = c.sleep(10, ac.signal);
    ac.abort(new Error('stop'));
    await assert.rejects(p, /stop/);
    assert.equal(c.pending, 0);
  });
});

describe('realClock', () => {
  it('resolves a zero sleep and rejects on abort without waiting out the delay', async () => {
    await realClock.sleep(0);
    const ac = new AbortController();
    const p = realClock.sleep(60_000, ac.signal);
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    assert.ok(Math.abs(realClock.now() - Date.now()) < 1000);
  });
});
