import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FakeClock } from '../../src/cloud/clock.ts';
import { CloudError } from '../../src/cloud/errors.ts';
import {
  backoff,
  classify,
  DEFAULT_RETRY_POLICY,
  type Idempotency,
  REFUSED_TRY_AGAIN_CODES,
  type RetryEvent,
  retryPolicy,
  withRetry,
} from '../../src/cloud/retry.ts';

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

const idempotencies: Idempotency[] = ['read', 'token', 'mutation'];

describe('classify', () => {
  it('retries throttling and "refused, try again" codes for every kind of call', () => {
    // Each code with the public provider that retries it (src/cloud/retry.ts REFUSED_TRY_AGAIN_CODES).
    const retryable = [
      apiError(400, 'Throttling'),
      apiError(400, 'Throttling.User'),
      apiError(400, 'Throttling.Api'),
      apiError(400, 'Rejected.Throttling'), // terraform-provider-alicloud errors.go NeedRetry
      apiError(429, 'TooManyRequests'),
      apiError(400, 'IdempotentProcessing'), // packer-plugin-alicloud step_create_image.go
      apiError(400, 'TOKEN_PROCESSING'), // packer-plugin-alicloud step_config_vpc.go
      apiError(403, 'LastTokenProcessing'), // terraform resource_alicloud_instance.go
      apiError(400, 'OperationFailed.LastTokenProcessing'), // terraform resource_alicloud_vpc.go
      apiError(403, 'OperationConflict'), // terraform errors.go DiskInvalidOperation
      apiError(403, 'Operation.Conflict'), // terraform resource_alicloud_instance.go; DeleteSnapshot reference
      apiError(409, 'InvalidOperation.Conflict'), // terraform errors.go; CopyImage reference (409)
      apiError(400, 'SystemBusy'), // terraform resource_alicloud_eip_address.go
      apiError(400, 'TaskConflict'), // terraform resource_alicloud_vpc.go; packer step_config_vpc.go
    ];
    for (const kind of idempotencies) {
      for (const e of retryable) assert.equal(classify(e, kind).verdict, 'retryable', `${e.code} ${kind}`);
    }
  });

  it('retries a 5xx for reads and ClientToken calls; for a token-less mutation the outcome is unknown', () => {
    for (const e of [
      apiError(503, 'ServiceUnavailable'),
      apiError(500, 'InternalError'),
      apiError(500, 'UnknownError'),
      apiError(502, 'BadGateway'),
      apiError(504, 'GatewayTimeout'),
    ]) {
      assert.equal(classify(e, 'read').verdict, 'retryable', e.code);
      assert.equal(classify(e, 'token').verdict, 'retryable', e.code);
      assert.equal(classify(e, 'mutation').verdict, 'outcome-unknown', e.code);
    }
  });

  it('fails at once on client errors', () => {
    for (const code of [
      'InvalidAccessKeyId.NotFound',
      'SignatureDoesNotMatch',
      'InvalidRegionId',
      'QuotaExceeded.Eip',
      'IncorrectInstanceStatus',
      'Forbidden.RAM',
      'IdempotentParameterMismatch',
      'ThrottlingNotReally',
      'NotRejected.ThrottlingYet',
    ]) {
      const status = code.startsWith('Forbidden') ? 403 : code === 'InvalidAccessKeyId.NotFound' ? 404 : 400;
      assert.equal(classify(apiError(status, code), 'read').verdict, 'fatal', code);
    }
  });

  it('treats connection resets and timeouts as retryable only when a repeat is safe', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'EPIPE']) {
      assert.equal(classify(netError(code), 'read').verdict, 'retryable');
      assert.equal(classify(netError(code), 'token').verdict, 'retryable');
      assert.equal(classify(netError(code), 'mutation').verdict, 'outcome-unknown');
    }
    const hangUp = new Error('socket hang up');
    assert.equal(classify(hangUp, 'read').verdict, 'retryable');
    // httpx (under the SDK) names both its read and its socket timeouts RequestTimeoutError.
    const sdkTimeout = Object.assign(
      new Error('ReadTimeout(150). POST http://127.0.0.1:1/?Action=X failed.'),
      {
        name: 'RequestTimeoutError',
      },
    );
    assert.equal(classify(sdkTimeout, 'token').verdict, 'retryable');
    assert.equal(classify(sdkTimeout, 'mutation').verdict, 'outcome-unknown');
    const readTimeout = Object.assign(new Error('Read timeout'), { name: 'ReadTimeoutError' });
    assert.equal(classify(readTimeout, 'token').verdict, 'retryable');
    assert.equal(classify(readTimeout, 'mutation').verdict, 'outcome-unknown');
  });

  it('retries a refused connection for any call: the request was never sent', () => {
    for (const kind of idempotencies)
      assert.equal(classify(netError('ECONNREFUSED'), kind).verdict, 'retryable');
  });

  it('treats an unresolvable host as a configuration error', () => {
    assert.equal(classify(netError('ENOTFOUND'), 'read').verdict, 'fatal');
  });

  it('retries the SyntaxError of an HTML gateway page for reads and token calls', () => {
    const e = new SyntaxError('Unexpected token < in JSON at position 0');
    assert.equal(classify(e, 'read').verdict, 'retryable');
    assert.equal(classify(e, 'token').verdict, 'retryable');
    assert.equal(classify(e, 'mutation').verdict, 'outcome-unknown');
  });

  it('reads the server-requested delay from retryAfter or the x-acs-retry-after header', () => {
    assert.equal(classify(apiError(400, 'Throttling.User', { retryAfter: 2500 })).retryAfterMs, 2500);
    assert.equal(
      classify(apiError(503, 'ServiceUnavailable', { headers: { 'x-acs-retry-after': '700' } })).retryAfterMs,
      700,
    );
    assert.equal(classify(apiError(400, 'Throttling')).retryAfterMs, undefined);
  });

  it('classifies by shape, not class: any object with an HTTP status and code works', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 400, max: 599 }),
        fc.oneof(fc.string(), fc.constantFrom(...REFUSED_TRY_AGAIN_CODES, 'Rejected.Throttling')),
        fc.constantFrom<Idempotency>('read', 'token', 'mutation'),
        (status, code, kind) => {
          const verdict = classify({ statusCode: status, code, data: { Code: code } }, kind).verdict;
          const refused =
            status === 429 ||
            code === 'Throttling' ||
            code.startsWith('Throttling.') ||
            code.endsWith('.Throttling') ||
            REFUSED_TRY_AGAIN_CODES.has(code);
          const expected = refused
            ? 'retryable'
            : code === 'IdempotentParameterMismatch' || status < 500
              ? 'fatal'
              : kind === 'mutation'
                ? 'outcome-unknown'
                : 'retryable';
          assert.equal(verdict, expected, `${status} ${code} ${kind}`);
        },
      ),
    );
  });

  it('never throws, whatever is thrown at it (property)', () => {
    fc.assert(
      fc.property(fc.anything(), fc.constantFrom<Idempotency>('read', 'token', 'mutation'), (thing, kind) => {
        assert.ok(['retryable', 'fatal', 'outcome-unknown'].includes(classify(thing, kind).verdict));
      }),
      { numRuns: 2000 },
    );
  });

  it('never retries an abort', () => {
    const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
    assert.equal(classify(abort).verdict, 'fatal');
  });
});

describe('backoff', () => {
  it('stays within [0, min(cap, base * 2^(n-1))) with full jitter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, base, cap, r) => {
          const d = backoff(retry, { baseDelayMs: base, maxDelayMs: cap }, () => r);
          const ceiling = Math.min(cap, base * 2 ** (retry - 1));
          assert.ok(d >= 0 && d <= ceiling, `${d} not in [0, ${ceiling}]`);
          assert.ok(Number.isInteger(d));
          if (r < 1) assert.ok(d < ceiling || ceiling === 0);
        },
      ),
    );
  });

  it('is monotonic in the random draw and reaches the cap with the defaults', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (n, a, b) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          assert.ok(backoff(n, DEFAULT_RETRY_POLICY, () => lo) <= backoff(n, DEFAULT_RETRY_POLICY, () => hi));
        },
      ),
    );
    // With r close to 1 the 7th retry is capped at 30 s (1 s * 2^6 = 64 s > 30 s).
    assert.equal(
      backoff(7, DEFAULT_RETRY_POLICY, () => 0.999999),
      29_999,
    );
    assert.equal(
      backoff(1, DEFAULT_RETRY_POLICY, () => 0.5),
      500,
    );
  });
});

describe('retryPolicy', () => {
  it('defaults to 5 attempts, 1 s base and 30 s cap and validates overrides', () => {
    assert.deepEqual(retryPolicy(), { ...DEFAULT_RETRY_POLICY });
    assert.equal(retryPolicy({ maxAttempts: 2 }).maxAttempts, 2);
    assert.throws(() => retryPolicy({ maxAttempts: 0 }), RangeError);
    assert.throws(() => retryPolicy({ baseDelayMs: -1 }), RangeError);
  });
});

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
