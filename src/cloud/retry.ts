import { abortReason, type Clock, realClock } from './clock.ts';
import { CloudError, networkCode, prop, safeNumber, safeString, toCloudError } from './errors.ts';

export interface RetryPolicy {
  /** Total attempts, the first included. */
  maxAttempts: number;
  /** Backoff base: the first retry waits up to this long. */
  baseDelayMs: number;
  /** Backoff cap. */
  maxDelayMs: number;
  /** Upper bound on a server-requested delay (`x-acs-retry-after`). */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 120_000,
});

export function retryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const p = { ...DEFAULT_RETRY_POLICY };
  for (const [k, v] of Object.entries(overrides) as [keyof RetryPolicy, number | undefined][]) {
    if (v !== undefined) p[k] = v;
  }
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1) {
    throw new RangeError(`retry attempts must be a whole number >= 1, got ${p.maxAttempts}`);
  }
  for (const k of ['baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
    if (!(p[k] >= 0)) throw new RangeError(`retry ${k} must be >= 0, got ${p[k]}`);
  }
  return p;
}

/**
 * How safe a call is to send twice.
 * - `read`: Describe/List/Get style, no side effects (and token-less mutations a resend cannot harm).
 * - `token`: a create-like call carrying a ClientToken; the server deduplicates it.
 * - `mutation`: anything else; a request that may have reached the server is not resent blindly.
 */
export type Idempotency = 'read' | 'token' | 'mutation';

/**
 * - `retryable`: nothing was done (or a resend cannot do it twice): send again after a delay;
 * - `fatal`: the answer stands;
 * - `outcome-unknown`: a mutation without a ClientToken may have taken effect (a 5xx, a lost
 *   reply): it is not sent again unless a look-up says it did not happen.
 */
export interface Classification {
  verdict: 'retryable' | 'fatal' | 'outcome-unknown';
  reason: string;
  /** Server-requested delay in milliseconds (`x-acs-retry-after`). */
  retryAfterMs?: number;
}

/**
 * Codes by which the API refuses a call it did not perform, "try again later": safe to resend for
 * every kind of call, a ClientToken call with the same token.
 * - `IdempotentProcessing`: packer-plugin-alicloud `builder/ecs/step_create_image.go`
 *   (createImageRetryErrors), `step_create_instance.go`, `step_config_security_group.go`;
 * - `TOKEN_PROCESSING`: packer-plugin-alicloud `step_config_vpc.go`, `step_config_vswitch.go`;
 * - `LastTokenProcessing`, `LastOrderProcessing`, `LastRequestProcessing`: terraform-provider-alicloud
 *   `resource_alicloud_instance.go` (`resourceAliCloudInstanceDelete`, `modifyInstanceNetworkSpec`);
 *   `OperationFailed.LastTokenProcessing`: `resource_alicloud_vpc.go`, `resource_alicloud_eip_association.go`;
 *   `OperationFailed.IdempotentTokenProcessing`: `resource_alicloud_vswitch.go`;
 * - `OperationConflict`, `InvalidOperation.Conflict`: terraform-provider-alicloud `errors.go`
 *   (`DiskInvalidOperation`, `SnapshotInvalidOperations`), `resource_alicloud_eip_address.go`;
 *   `Operation.Conflict`: `resource_alicloud_instance.go` and the DeleteSnapshot API reference;
 * - `SystemBusy`, `ServiceUnavailable`: `resource_alicloud_eip_address.go`, `resource_alicloud_vpc.go`
 *   (and `errors.go` `NeedRetry` for ServiceUnavailable);
 * - `TaskConflict`: `resource_alicloud_vpc.go`, packer-plugin-alicloud `step_config_vpc.go`.
 * Throttling is matched by shape (`Throttling`, `Throttling.*`, `*.Throttling` such as
 * `Rejected.Throttling`: terraform-provider-alicloud `errors.go` `NeedRetry`).
 */
export const REFUSED_TRY_AGAIN_CODES: ReadonlySet<string> = new Set([
  'IdempotentProcessing',
  'TOKEN_PROCESSING',
  'LastTokenProcessing',
  'LastOrderProcessing',
  'LastRequestProcessing',
  'OperationFailed.LastTokenProcessing',
  'OperationFailed.IdempotentTokenProcessing',
  'OperationConflict',
  'Operation.Conflict',
  'InvalidOperation.Conflict',
  'SystemBusy',
  'TaskConflict',
]);

/**
 * A 5xx the server answers when it may or may not have done the work. `ServiceUnavailable` (503) is
 * retried like a refusal for reads and ClientToken calls, and is an unknown outcome for a token-less
 * mutation like any other 5xx (ECS "How to ensure idempotence": retry on 500/503 only with the same
 * ClientToken).
 */
const SERVER_ERROR_CODES = new Set(['ServiceUnavailable', 'InternalError', 'UnknownError']);

export function isThrottling(code: string): boolean {
  return code === 'Throttling' || code.startsWith('Throttling.') || code.endsWith('.Throttling');
}

/** Connection failures where the request cannot have reached the server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Connection failures where the request may have been processed. */
const MAYBE_SENT_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'ECONNABORTED',
  'UND_ERR_SOCKET',
]);

function retryAfterOf(err: unknown): number | undefined {
  const direct = safeNumber(prop(err, 'retryAfter'));
  if (direct !== undefined && direct >= 0) return direct;
  const headers = prop(err, 'headers') ?? prop(prop(err, 'response'), 'headers');
  const raw = prop(headers, 'x-acs-retry-after');
  const n = Number.parseInt(safeString(raw), 10);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

/**
 * Decides whether one failed attempt may be retried. Works on the error's shape (`code`,
 * `name`, `statusCode`, `data.Code`), never on `instanceof`.
 */
export function classify(err: unknown, idempotency: Idempotency = 'read'): Classification {
  if (prop(err, 'name') === 'AbortError') return { verdict: 'fatal', reason: 'aborted' };
  const statusCode = safeNumber(prop(err, 'statusCode')) || undefined;
  const apiCode = safeString(
    prop(prop(err, 'data'), 'Code') ?? (statusCode ? (prop(err, 'code') ?? '') : ''),
  );
  const retryAfterMs = retryAfterOf(err);
  const withAfter = (c: Classification): Classification =>
    retryAfterMs === undefined ? c : { ...c, retryAfterMs };

  const unknown = (reason: string): Classification =>
    withAfter({ verdict: 'outcome-unknown', reason: `${reason}: the call may have taken effect` });

  if (isThrottling(apiCode)) return withAfter({ verdict: 'retryable', reason: `throttled (${apiCode})` });
  // Whatever the HTTP status: these answers say the call was not performed.
  if (REFUSED_TRY_AGAIN_CODES.has(apiCode)) return withAfter({ verdict: 'retryable', reason: apiCode });
  if (apiCode === 'IdempotentParameterMismatch') {
    return { verdict: 'fatal', reason: 'the ClientToken was used before with other parameters' };
  }
  if (statusCode === 429) return withAfter({ verdict: 'retryable', reason: 'HTTP 429' });
  const serverError =
    (statusCode !== undefined && statusCode >= 500 && statusCode < 600) ||
    (statusCode === undefined && SERVER_ERROR_CODES.has(apiCode));
  if (serverError) {
    const what = `HTTP ${statusCode ?? 500}${apiCode ? ` (${apiCode})` : ''}`;
    return idempotency === 'mutation' ? unknown(what) : withAfter({ verdict: 'retryable', reason: what });
  }
  if (statusCode !== undefined) {
    return { verdict: 'fatal', reason: `HTTP ${statusCode}${apiCode ? ` (${apiCode})` : ''}` };
  }
  // An HTML error page from a gateway (502/504) reaches us as a JSON SyntaxError.
  if (prop(err, 'name') === 'SyntaxError' || (err instanceof CloudError && err.code === 'InvalidResponse')) {
    return idempotency === 'mutation'
      ? unknown('unparseable response')
      : { verdict: 'retryable', reason: 'unparseable response (gateway error page)' };
  }
  const net = networkCode(err);
  if (net && NOT_SENT_CODES.has(net)) return { verdict: 'retryable', reason: `connection failed (${net})` };
  if (net && MAYBE_SENT_CODES.has(net)) {
    return idempotency === 'mutation'
      ? unknown(`connection lost (${net})`)
      : { verdict: 'retryable', reason: `connection lost (${net})` };
  }
  if (net) return { verdict: 'fatal', reason: `network error (${net})` };
  return { verdict: 'fatal', reason: apiCode || safeString(prop(err, 'name') ?? 'error') };
}

/**
 * Delay before retry number `retry` (1 for the first retry): "full jitter", a uniform draw
 * from [0, min(cap, base * 2^(retry-1))).
 */
export function backoff(
  retry: number,
  policy: Pick<RetryPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  rng: () => number = Math.random,
): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  const r = Math.min(Math.max(rng(), 0), 1);
  return Math.floor(r * exp);
}

export interface RetryEvent {
  /** The attempt that failed, 1-based. */
  attempt: number;
  /** How long we wait before the next attempt. */
  delayMs: number;
  reason: string;
  /** Sanitised error of the failed attempt. */
  error: CloudError;
}

/**
 * What a look-up found about a mutation whose outcome was unknown: it took effect (`settled`, with
 * the result to use), it did not (`resend`), or it cannot tell (`unknown`).
 */
export type OutcomeCheck<T> = { settled: T } | 'resend' | 'unknown';

export interface WithRetryOptions<T = unknown> {
  policy?: Partial<RetryPolicy>;
  clock?: Clock;
  signal?: AbortSignal;
  idempotency?: Idempotency;
  rng?: () => number;
  onRetry?: (event: RetryEvent) => void;
  /** For error messages. */
  product?: string;
  action?: string;
  /** Values scrubbed from every error message. */
  secrets?: Iterable<string | undefined>;
  /** Decides what happened when a mutation's outcome is unknown; without it such a failure is final. */
  onOutcomeUnknown?: (error: CloudError, attempt: number) => Promise<OutcomeCheck<T>>;
}

/**
 * Runs one call with retries. Only this call is repeated, never a larger workflow. Throws a
 * CloudError (or the signal's reason when aborted).
 */
export async function withRetry<T>(
  fn: (attempt: number) => Promise<T>,
  opts: WithRetryOptions<T> = {},
): Promise<T> {
  const policy = retryPolicy(opts.policy);
  const clock = opts.clock ?? realClock;
  const secrets = [...(opts.secrets ?? [])];
  const ctx = { product: opts.product, action: opts.action, secrets };
  for (let attempt = 1; ; attempt++) {
    if (opts.signal?.aborted) throw abortReason(opts.signal);
    try {
      return await fn(attempt);
    } catch (err) {
      if (opts.signal?.aborted) throw abortReason(opts.signal);
      const c = classify(err, opts.idempotency ?? 'read');
      let retryable = c.verdict === 'retryable';
      if (c.verdict === 'outcome-unknown') {
        const check = opts.onOutcomeUnknown
          ? await opts.onOutcomeUnknown(toCloudError(err, { ...ctx, attempts: attempt }), attempt)
          : 'unknown';
        if (check === 'unknown') {
          throw toCloudError(err, { ...ctx, attempts: attempt, retryable: false, outcomeUnknown: true });
        }
        if (check !== 'resend') return check.settled;
        retryable = true;
      }
      if (!retryable || attempt >= policy.maxAttempts) {
        throw toCloudError(err, { ...ctx, attempts: attempt, retryable });
      }
      const delayMs =
        c.retryAfterMs !== undefined
          ? Math.min(c.retryAfterMs, policy.maxRetryAfterMs)
          : backoff(attempt, policy, opts.rng);
      opts.onRetry?.({
        attempt,
        delayMs,
        reason: c.reason,
        error: toCloudError(err, { ...ctx, attempts: attempt, retryable }),
      });
      await clock.sleep(delayMs, opts.signal);
    }
  }
}
