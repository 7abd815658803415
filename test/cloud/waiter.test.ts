import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../../src/cloud/clock.ts';
import { CloudError } from '../../src/cloud/errors.ts';
import { pollDelay, type WaitProgress, waitFor } from '../../src/cloud/waiter.ts';

/** A resource whose status moves along `states`, one step per poll. */
function scripted(states: string[]) {
  let i = 0;
  return {
    polls: () => i,
    poll: async () => states[Math.min(i++, states.length - 1)] as string,
  };
}

describe('waitFor', () => {
  it('polls fast first, backs off to the cap, and returns the final value', async () => {
    const clock = new FakeClock();
    const r = scripted(['Creating', 'Creating', 'Creating', 'Creating', 'Creating', 'Creating', 'Available']);
    const progress: WaitProgress<string>[] = [];
    const value = await waitFor({
      poll: r.poll,
      isDone: (s) => s === 'Available',
      deadlineMs: 600_000,
      initialDelayMs: 1000,
      maxDelayMs: 4000,
      factor: 2,
      clock,
      onProgress: (p) => progress.push(p),
    });
    assert.equal(value, 'Available');
    assert.equal(r.polls(), 7);
    assert.deepEqual(clock.sleeps, [1000, 2000, 4000, 4000, 4000, 4000]);
    assert.deepEqual(
      progress.map((p) => [p.polls, p.elapsedMs, p.nextDelayMs]),
      [
        [1, 0, 1000],
        [2, 1000, 2000],
        [3, 3000, 4000],
        [4, 7000, 4000],
        [5, 11_000, 4000],
        [6, 15_000, 4000],
        [7, 19_000, 0],
      ],
    );
  });

  it('times out at the deadline without sleeping past it', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    await assert.rejects(
      waitFor({
        poll: async () => 'Pending',
        isDone: (s) => s === 'Available',
        deadlineMs: 10_000,
        initialDelayMs: 3000,
        maxDelayMs: 3000,
        clock,
        what: 'image m-1 to become Available',
        describe: (s) => `status ${s}`,
      }),
      (e: unknown) => {
        assert.ok(e instanceof CloudError);
        assert.equal(e.code, 'WaitTimeout');
        assert.match(e.message, /image m-1 to become Available \(last seen: status Pending\)/);
        return true;
      },
    );
    assert.deepEqual(clock.sleeps, [3000, 3000, 3000, 1000]);
    assert.equal(clock.now() - start, 10_000);
  });

  it('stops on a terminal failure state', async () => {
    const clock = new FakeClock();
    await assert.rejects(
      waitFor({
        poll: scripted(['Creating', 'CreateFailed']).poll,
        isDone: (s) => s === 'Available',
        failed: (s) => (s === 'CreateFailed' ? 'image creation failed' : undefined),
        deadlineMs: 60_000,
        clock,
      }),
      { code: 'WaitFailed', message: /image creation failed/ },
    );
    assert.equal(clock.sleeps.length, 1);
  });

  it('aborts a pending sleep through the AbortSignal', async () => {
    const clock = new FakeClock({ autoAdvance: false });
    const ac = new AbortController();
    let polls = 0;
    const p = waitFor({
      poll: async () => {
        polls++;
        return 'Pending';
      },
      isDone: () => false,
      deadlineMs: 60_000,
      clock,
      signal: ac.signal,
    });
    await new Promise((r) => setImmediate(r));
    assert.equal(clock.pending, 1);
    clock.advance(1000);
    await new Promise((r) => setImmediate(r));
    assert.equal(polls, 2);
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    assert.equal(polls, 2);
  });

  it('never exceeds the deadline and never sleeps longer than the cap (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.double({ min: 1, max: 3, noNaN: true }),
        fc.integer({ min: 1, max: 50 }),
        async (deadlineMs, initialDelayMs, maxDelayMs, factor, doneAfter) => {
          const clock = new FakeClock();
          const start = clock.now();
          let polls = 0;
          const outcome = await waitFor({
            poll: async () => ++polls,
            isDone: (n) => n >= doneAfter,
            deadlineMs,
            initialDelayMs,
            maxDelayMs,
            factor,
            clock,
          }).catch((e: CloudError) => e);
          assert.ok(clock.now() - start <= deadlineMs);
          for (const s of clock.sleeps) assert.ok(s <= Math.max(initialDelayMs, maxDelayMs) && s > 0);
          if (outcome instanceof CloudError) {
            assert.equal(outcome.code, 'WaitTimeout');
            assert.equal(clock.now() - start, deadlineMs);
          } else assert.equal(outcome, doneAfter);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('pollDelay', () => {
  it('grows geometrically from the initial delay and is capped', () => {
    assert.equal(pollDelay(1, 1000, 15_000, 1.5), 1000);
    assert.equal(pollDelay(2, 1000, 15_000, 1.5), 1500);
    assert.equal(pollDelay(30, 1000, 15_000, 1.5), 15_000);
  });
});
