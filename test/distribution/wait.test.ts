/** The copy waiter on a fake clock: polls timed from the progress rate, failures, deadline, abort. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../../src/cloud/index.ts';
import { nextCopyDelay, parsePercent, waitForCopy } from '../../src/images/copy-wait.ts';

/** A copy of `T` ms whose progress is rounded down like the API's. */
function copyOf(clock: FakeClock, T: number, end = 'Available') {
  const start = clock.now();
  const seen: number[] = [];
  return {
    seen,
    poll: async () => {
      const elapsed = clock.now() - start;
      seen.push(elapsed);
      return elapsed >= T
        ? { status: end }
        : { status: 'Creating', progress: `${Math.floor((elapsed / T) * 100)}%` };
    },
    start,
  };
}

describe('waitForCopy', () => {
  it('notices a 10-minute copy within seconds of its end with a few dozen polls', async () => {
    const clock = new FakeClock();
    const copy = copyOf(clock, 600_000);
    const res = await waitForCopy({
      poll: copy.poll,
      requestedAt: copy.start,
      deadlineMs: 3_600_000,
      clock,
      what: 'x',
    });
    assert.equal(res.status, 'Available');
    assert.ok(res.elapsedMs >= 600_000 && res.elapsedMs < 605_000, String(res.elapsedMs));
    assert.ok(res.polls < 40, `${res.polls} polls`);
    assert.ok(
      clock.sleeps.every((s) => s >= 1000 && s <= 30_000),
      'within the default bounds',
    );
  });

  it('reports CreateFailed and a vanished copy instead of waiting on', async () => {
    const clock = new FakeClock();
    const failed = copyOf(clock, 5000, 'CreateFailed');
    assert.equal(
      (await waitForCopy({ poll: failed.poll, deadlineMs: 60_000, clock, what: 'x' })).status,
      'CreateFailed',
    );
    const gone = await waitForCopy({
      poll: async () => ({ status: undefined }),
      deadlineMs: 60_000,
      clock,
      what: 'x',
    });
    assert.equal(gone.status, 'missing');
  });

  it('times out at the deadline, never sleeping past it, and stops on abort', async () => {
    const clock = new FakeClock();
    const copy = copyOf(clock, 10_000_000);
    await assert.rejects(
      waitForCopy({ poll: copy.poll, deadlineMs: 100_000, clock, what: 'image m-1 in cn-shanghai' }),
      /Timed out after 100 s waiting for image m-1 in cn-shanghai/,
    );
    assert.ok((copy.seen.at(-1) ?? 0) <= 100_000);
    const controller = new AbortController();
    controller.abort(new Error('SIGINT'));
    await assert.rejects(
      waitForCopy({ poll: copy.poll, deadlineMs: 100_000, clock, signal: controller.signal, what: 'x' }),
      /SIGINT/,
    );
  });

  it('backs off without progress and extrapolates with it', () => {
    assert.equal(parsePercent('45%'), 45);
    assert.equal(parsePercent(''), undefined);
    assert.deepEqual(
      [1, 2, 3].map((n) => nextCopyDelay(undefined, undefined, n, 1000, 30_000)),
      [1000, 1500, 2250],
    );
    // 10% after 10 s: about 90 s to go (capped at 30 s).
    assert.equal(nextCopyDelay({ at: 0, percent: 0 }, { at: 10_000, percent: 10 }, 2, 1000, 30_000), 30_000);
    // 90% after 90 s: about 10 s to go.
    const d = nextCopyDelay({ at: 0, percent: 0 }, { at: 90_000, percent: 90 }, 5, 1000, 30_000);
    assert.ok(d > 9000 && d < 11_000, String(d));
  });
});
