import { SindriError } from '../errors.ts';
import { type ErrorHint, hintFor } from './error-hints.ts';
import { redact } from './redact.ts';

export { ERROR_HINTS, type ErrorHint, hintFor } from './error-hints.ts';

export interface CloudErrorInit {
  code: string;
  message: string;
  requestId?: string;
  product?: string;
  action?: string;
  statusCode?: number;
  retryable?: boolean;
  attempts?: number;
  recommend?: string;
  /** `ecs:CopyImage`: the action RAM refused (from AccessDeniedDetail, or the call itself). */
  deniedAction?: string;
  /** A mutation without a ClientToken that may have taken effect; it was not sent again. */
  outcomeUnknown?: boolean;
}

/** What to do about a call whose outcome is unknown (added to the code's own hint). */
export function outcomeUnknownFix(product: string | undefined, action: string | undefined): string {
  const call = [product?.toUpperCase(), action].filter(Boolean).join(' ') || 'the call';
  return `${call} may have taken effect although it failed, so sindri did not send it again: check the resource it acts on (the matching Describe call or the console) before running the command again.`;
}

/** Codes by which RAM refuses a call. */
export function isPermissionDenied(code: string | undefined): boolean {
  return code === 'Forbidden.RAM' || code === 'Forbidden' || code === 'NoPermission';
}

/** The hint for a refused call that names the action to allow. */
export function deniedActionHint(actions: readonly string[]): ErrorHint {
  const list = actions.join(', ');
  return {
    meaning: `The RAM identity may not call ${list}.`,
    fix: `Allow ${list} in a policy attached to the RAM user or role; \`sindri packer doctor --print-policy\` prints the minimal policy for this configuration.`,
  };
}

const NETWORK_HINTS: Record<string, ErrorHint> = {
  ECONNREFUSED: {
    meaning: 'The endpoint refused the connection.',
    fix: 'Check the endpoint (config `endpoints:` / SINDRI_ENDPOINT_*) and any proxy settings.',
  },
  ENOTFOUND: {
    meaning: 'The endpoint host name does not resolve.',
    fix: 'Check the region, the endpoint override and DNS; behind a proxy set HTTPS_PROXY.',
  },
};

/**
 * An Alibaba Cloud failure in a form the CLI can show. It carries only sanitised fields:
 * never the request, the SDK error object or anything derived from the credentials.
 */
export class CloudError extends SindriError {
  readonly product: string | undefined;
  readonly action: string | undefined;
  readonly statusCode: number | undefined;
  readonly retryable: boolean;
  readonly attempts: number;
  readonly recommend: string | undefined;
  readonly hint: ErrorHint | undefined;
  readonly deniedAction: string | undefined;
  readonly outcomeUnknown: boolean;

  constructor(init: CloudErrorInit) {
    const deniedAction = isPermissionDenied(init.code)
      ? (init.deniedAction ?? (init.product && init.action ? `${init.product}:${init.action}` : undefined))
      : undefined;
    const hint = deniedAction
      ? deniedActionHint([deniedAction])
      : (hintFor(init.code) ?? NETWORK_HINTS[init.code]);
    super(init.message, {
      code: init.code,
      requestId: init.requestId,
      actions: [
        ...(init.outcomeUnknown ? [outcomeUnknownFix(init.product, init.action)] : []),
        ...(hint ? [hint.fix] : []),
      ],
    });
    this.name = 'CloudError';
    this.product = init.product;
    this.action = init.action;
    this.statusCode = init.statusCode;
    this.retryable = init.retryable ?? false;
    this.attempts = init.attempts ?? 1;
    this.recommend = init.recommend;
    this.deniedAction = deniedAction;
    this.outcomeUnknown = init.outcomeUnknown ?? false;
    this.hint = hint;
  }

  /** The same error with another message (more context), everything else kept. */
  withMessage(message: string): CloudError {
    return new CloudError({
      code: this.code,
      message,
      requestId: this.requestId,
      product: this.product,
      action: this.action,
      statusCode: this.statusCode,
      retryable: this.retryable,
      attempts: this.attempts,
      recommend: this.recommend,
      outcomeUnknown: this.outcomeUnknown,
      ...(this.deniedAction ? { deniedAction: this.deniedAction } : {}),
    });
  }

  /** `Forbidden.RAM: <message>`, naming the refused action when there is one. */
  override summary(): string {
    const denied = this.deniedAction ? ` (may not call ${this.deniedAction})` : '';
    const unknown = this.outcomeUnknown ? ' (outcome unknown, not sent again)' : '';
    return `${this.code}${denied}${unknown}: ${this.message}`;
  }

  override details(): Record<string, unknown> {
    return {
      product: this.product,
      action: this.action,
      ...(this.deniedAction ? { deniedAction: this.deniedAction } : {}),
      ...(this.outcomeUnknown ? { outcomeUnknown: true } : {}),
      statusCode: this.statusCode,
      retryable: this.retryable,
      attempts: this.attempts,
      ...(this.hint ? { meaning: this.hint.meaning } : {}),
    };
  }
}

function str(v: unknown): string | undefined {
  if (typeof v === 'string' && v.length > 0 && v !== 'undefined' && v !== 'null') return v;
  if (typeof v === 'number') return String(v);
  return undefined;
}

/** `String(v)` that never throws (objects may carry a broken `toString`). */
export function safeString(v: unknown): string {
  try {
    return String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

/** A finite number from an unknown value, or undefined (never throws). */
export function safeNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const n = Number(v);
  return v.trim() !== '' && Number.isFinite(n) ? n : undefined;
}

/** Reads a property of an unknown value without trusting its shape. */
export function prop(obj: unknown, key: string): unknown {
  if (obj === null || (typeof obj !== 'object' && typeof obj !== 'function')) return undefined;
  return (obj as Record<string, unknown>)[key];
}

/** Network-level error codes as Node and the SDK's HTTP layer report them. */
export const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The SDK's HTTP layer names its timeouts (`ReadTimeoutError`, `ConnectTimeoutError`) but sets no code. */
export function networkCode(err: unknown): string | undefined {
  const code = str(prop(err, 'code'));
  if (code && NETWORK_CODES.has(code)) return code;
  const name = str(prop(err, 'name')) ?? '';
  // httpx: `RequestTimeoutError` for both "ReadTimeout(ms)" and "ConnectTimeout" (socket idle).
  if (/ReadTimeout|ConnectTimeout|RequestTimeout/i.test(name)) return 'ETIMEDOUT';
  const message = str(prop(err, 'message')) ?? '';
  if (/socket hang up/i.test(message)) return 'ECONNRESET';
  const cause = prop(err, 'cause');
  if (cause && cause !== err) return networkCode(cause);
  return undefined;
}

/** Drops query strings from URLs in a message: the SDK's transport errors quote the signed request URL. */
export function stripQueries(text: string): string {
  return text.replace(/(https?:\/\/[^\s?"']+)\?[^\s"']*/g, '$1');
}

function clean(text: string, secrets: Iterable<string | undefined>): string {
  return redact(stripQueries(text), secrets);
}

export interface ToCloudErrorContext {
  product?: string;
  action?: string;
  attempts?: number;
  retryable?: boolean;
  outcomeUnknown?: boolean;
  /** Values that must never appear in the result (credentials). */
  secrets?: Iterable<string | undefined>;
}

/**
 * Turns whatever the SDK or the network threw into a CloudError. Works on the shape of the
 * error (`code`, `name`, `statusCode`, `data`), not on `instanceof`, because the SDK's error
 * classes come from several package copies and an HTML 502 surfaces as a bare SyntaxError.
 */
export function toCloudError(err: unknown, ctx: ToCloudErrorContext = {}): CloudError {
  const secrets = [...(ctx.secrets ?? [])];
  const base = {
    product: ctx.product,
    action: ctx.action,
    attempts: ctx.attempts,
    retryable: ctx.retryable,
    ...(ctx.outcomeUnknown ? { outcomeUnknown: true } : {}),
  };
  if (err instanceof CloudError) {
    return new CloudError({
      code: err.code,
      message: clean(err.message, secrets),
      requestId: err.requestId,
      statusCode: err.statusCode,
      recommend: err.recommend,
      product: ctx.product ?? err.product,
      action: ctx.action ?? err.action,
      attempts: ctx.attempts ?? err.attempts,
      retryable: ctx.retryable ?? err.retryable,
      ...(err.deniedAction ? { deniedAction: err.deniedAction } : {}),
      ...(ctx.outcomeUnknown || err.outcomeUnknown ? { outcomeUnknown: true } : {}),
    });
  }
  const data = prop(err, 'data');
  const statusCode = safeNumber(prop(err, 'statusCode') ?? prop(data, 'statusCode')) || undefined;
  const apiCode = str(prop(data, 'Code')) ?? (statusCode ? str(prop(err, 'code')) : undefined);
  if (apiCode || statusCode) {
    const serverMessage =
      str(prop(data, 'Message')) ??
      (str(prop(err, 'message')) ?? '').replace(/^code: \d+, /, '').replace(/ request id: \S*$/, '');
    return new CloudError({
      ...base,
      code: apiCode ?? `HTTP${statusCode}`,
      message: clean(serverMessage || `HTTP ${statusCode}`, secrets),
      requestId: str(prop(data, 'RequestId')) ?? str(prop(err, 'requestId')),
      statusCode,
      recommend: str(prop(data, 'Recommend')),
      deniedAction: str(prop(prop(data, 'AccessDeniedDetail'), 'AuthAction')),
    });
  }
  const net = networkCode(err);
  if (net) {
    return new CloudError({
      ...base,
      code: net,
      message: clean(str(prop(err, 'message')) ?? net, secrets),
    });
  }
  if (str(prop(err, 'name')) === 'SyntaxError') {
    return new CloudError({
      ...base,
      code: 'InvalidResponse',
      message:
        'The endpoint answered with something that is not JSON (often an HTML error page from a gateway or proxy).',
    });
  }
  if (str(prop(err, 'name')) === 'AbortError') {
    return new CloudError({ ...base, code: 'Aborted', message: 'The operation was cancelled.' });
  }
  return new CloudError({
    ...base,
    code: str(prop(err, 'code')) ?? str(prop(err, 'name')) ?? 'UnknownError',
    message: clean(str(prop(err, 'message')) ?? safeString(err), secrets),
  });
}

/** One paragraph a user can act on. Unknown codes show the raw code, message and request ID. */
export function describeCloudError(err: unknown, secrets: Iterable<string | undefined> = []): string {
  const e = toCloudError(err, { secrets });
  const where = [e.product?.toUpperCase(), e.action].filter(Boolean).join(' ');
  const lines: string[] = [];
  const hint = e.hint;
  const head = where ? `${where} failed` : 'Alibaba Cloud call failed';
  if (hint) {
    lines.push(`${head}: ${hint.meaning}`);
    lines.push(`  Fix: ${hint.fix}`);
    lines.push(`  Code: ${e.code}${e.message ? ` (${e.message})` : ''}`);
  } else {
    lines.push(`${head}: ${e.code}: ${e.message}`);
    if (e.recommend) lines.push(`  See: ${e.recommend}`);
  }
  if (e.outcomeUnknown) lines.push(`  Note: ${outcomeUnknownFix(e.product, e.action)}`);
  if (e.requestId) lines.push(`  Request ID: ${e.requestId}`);
  if (e.attempts > 1) lines.push(`  Attempts: ${e.attempts}`);
  return redact(lines.join('\n'), secrets);
}
