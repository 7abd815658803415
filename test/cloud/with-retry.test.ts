/** withRetry: the loop around one call (attempts, delays, unknown outcomes, aborts). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../../src/cloud/clock.ts';
import { CloudError } from '../../src/cloud/errors.ts';
import { DEFAULT_RETRY_POLICY, type RetryEvent, withRetry } from '../../src/cloud/retry.ts';

/** Errors shaped like the SDK's (openapi-core) ThrottlingError / ClientError / ServerError. */
function apiError(statusCode: number, code: string, extra: Record<string, unknown> = {}) {
  const name = code.includes('Throttling')
    ? 'ThrottlingError'
    : statusCode >= 500
      ? 'ServerError'
      : 'ClientError';
  return Object.assign(new Error(`code: ${statusCode}, message for ${code} request id: REQ-1`), {
    name,
    code,
    statusCode,
    requestId: 'REQ-1',
    data: { Code: code, Message: `message for ${code}`, RequestId: 'REQ-1' },
    ...extra,
  });
}

function netError(code: string) {
  return Object.assign(new Error(`connect ${code} 192.0.2.1:443`), { code });
}

describe('withRetry', () => {
  it('retries retryable failures, sleeping the backoff on the injected clock', async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const events: RetryEvent[] = [];
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 4) throw apiError(400, 'Throttling.User');
        return 'ok';
      },
      { clock, rng: () => 0.5, onRetry: (e) => events.push(e) },
    );
    assert.equal(result, 'ok');
    assert.equal(calls, 4);
    assert.deepEqual(clock.sleeps, [500, 1000, 2000]);
    assert.equal(clock.now() - start, 3500);
    assert.deepEqual(
      events.map((e) => [e.attempt, e.delayMs, e.error.code]),
      [
        [1, 500, 'Throttling.User'],
        [2, 1000, 'Throttling.User'],
        [3, 2000, 'Throttling.User'],
      ],
    );
  });

  it('gives up after maxAttempts with a CloudError that counts the attempts', async () => {
    const clock = new FakeClock();
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw apiError(503, 'ServiceUnavailable');
        },
        { clock, policy: { maxAttempts: 3 }, product: 'ecs', action: 'DescribeImages' },
      ),
      (e: unknown) => {
        assert.ok(e instanceof CloudError);
        assert.equal(e.code, 'ServiceUnavailable');
        assert.equal(e.attempts, 3);
        assert.equal(e.retryable, true);
        assert.equal(e.requestId, 'REQ-1');
        assert.equal(e.action, 'DescribeImages');
        return true;
      },
    );
    assert.equal(calls, 3);
    assert.equal(clock.sleeps.length, 2);
  });

  it('fails at once on a fatal error without sleeping', async () => {
    const clock = new FakeClock();
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw apiError(404, 'InvalidAccessKeyId.NotFound');
        },
        { clock },
      ),
      { code: 'InvalidAccessKeyId.NotFound', attempts: 1, retryable: false },
    );
    assert.equal(calls, 1);
    assert.deepEqual(clock.sleeps, []);
  });

  it('does not repeat a non-idempotent call after a connection reset or a 500: its outcome is unknown', async () => {
    for (const failure of [netError('ECONNRESET'), apiError(500, 'InternalError')]) {
      let calls = 0;
      await assert.rejects(
        withRetry(
          async () => {
            calls++;
            throw failure;
          },
          { clock: new FakeClock(), idempotency: 'mutation', product: 'ecs', action: 'CreateKeyPair' },
        ),
        (e: unknown) => {
          assert.ok(e instanceof CloudError);
          assert.equal(e.code, (failure as { code: string }).code);
          assert.equal(e.outcomeUnknown, true);
          assert.equal(e.retryable, false);
          assert.match(e.summary(), /outcome unknown, not sent again/);
          assert.match(e.actions.join(' '), /ECS CreateKeyPair may have taken effect/);
          return true;
        },
      );
      assert.equal(calls, 1);
    }
  });

  it('asks what happened when the outcome is unknown: resends when it did not happen, uses the result when it did', async () => {
    const clock = new FakeClock();
    let calls = 0;
    const asked: number[] = [];
    const resent = await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw apiError(500, 'InternalError');
        return 'second send';
      },
      {
        clock,
        idempotency: 'mutation',
        onOutcomeUnknown: async (e, attempt) => {
          assert.equal(e.code, 'InternalError');
          asked.push(attempt);
          return 'resend';
        },
      },
    );
    assert.deepEqual([resent, calls, asked], ['second send', 2, [1]]);

    calls = 0;
    const settled = await withRetry(
      async () => {
        calls++;
        throw netError('ECONNRESET');
      },
      { clock, idempotency: 'mutation', onOutcomeUnknown: async () => ({ settled: 'found it' }) },
    );
    assert.deepEqual([settled, calls], ['found it', 1]);
  });

  it('honours x-acs-retry-after, capped by maxRetryAfterMs', async () => {
    const clock = new FakeClock();
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw apiError(400, 'Throttling', { retryAfter: 4200 });
        if (calls === 2) throw apiError(400, 'Throttling', { retryAfter: 10_000_000 });
        return calls;
      },
      { clock, rng: () => 0 },
    );
    assert.deepEqual(clock.sleeps, [4200, DEFAULT_RETRY_POLICY.maxRetryAfterMs]);
  });

  it('stops waiting when the signal aborts', async () => {
    const clock = new FakeClock({ autoAdvance: false });
    const ac = new AbortController();
    let calls = 0;
    const p = withRetry(
      async () => {
        calls++;
        throw apiError(500, 'InternalError');
      },
      { clock, signal: ac.signal },
    );
    await new Promise((r) => setImmediate(r));
    assert.equal(clock.pending, 1);
    ac.abort();
    await assert.rejects(p, { name: 'AbortError' });
    assert.equal(calls, 1);
  });

  it('total attempts never exceed the policy, whatever the failure sequence', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('Throttling', 'InternalError', 'ECONNRESET', 'InvalidRegionId', 'ok'), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.integer({ min: 1, max: 8 }),
        async (script, maxAttempts) => {
          let i = 0;
          const clock = new FakeClock();
          const outcome = await withRetry(
            async () => {
              const step = script[Math.min(i, script.length - 1)];
              i++;
              if (step === 'ok') return 'ok';
              if (step === 'ECONNRESET') throw netError(step);
              throw apiError(step === 'InternalError' ? 500 : 400, step as string);
            },
            { clock, policy: { maxAttempts }, rng: () => 0.5 },
          ).catch((e: CloudError) => e);
          assert.ok(i <= maxAttempts);
          assert.equal(clock.sleeps.length, i - 1);
          const firstFatal = script.indexOf('InvalidRegionId');
          const firstOk = script.indexOf('ok');
          if (outcome === 'ok') assert.equal(script[Math.min(i - 1, script.length - 1)], 'ok');
          else if (firstFatal >= 0 && firstFatal < maxAttempts && (firstOk < 0 || firstFatal < firstOk)) {
            assert.equal((outcome as CloudError).code, 'InvalidRegionId');
          }
        },
      ),
    );
  });
});
