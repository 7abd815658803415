import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  backoff,
  classify,
  DEFAULT_RETRY_POLICY,
  type Idempotency,
  REFUSED_TRY_AGAIN_CODES,
  retryPolicy,
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
