/**
 * Delivering a notification to every webhook that asked for its event: the address and the secret
 * from the environment variables the configuration names, each attempt bounded by a timeout, retried
 * with backoff when the receiver is unreachable, times out, or answers 429 or 5xx. What still fails is
 * reported, never thrown: a webhook never fails the command that sends it. Neither the address (it
 * carries the robot's token) nor the secret appears in any report.
 */
import type { WebhookConfig } from '../config/types.ts';
import { receiverError, webhookRequest } from './formats.ts';
import type { Notification } from './message.ts';

export interface DeliveryReport {
  /** The webhook's name, or `<format> $<url_env>`. */
  webhook: string;
  event: string;
  delivered: boolean;
  attempts: number;
  /** The last answer's HTTP status. */
  status?: number;
  error?: string;
}

export interface DeliverOptions {
  env: NodeJS.ProcessEnv;
  /** First backoff; doubled after each attempt. */
  backoffMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_BACKOFF_MS = 500;

export function webhookLabel(w: WebhookConfig): string {
  return w.name ?? `${w.format} $${w.url_env}`;
}

export function wants(w: WebhookConfig, event: string): boolean {
  return w.events === undefined || (w.events as readonly string[]).includes(event);
}

/** An error as text without the address or the secret (a transport error may name the host). */
function describe(err: unknown, secrets: readonly string[]): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  let text =
    e?.name === 'TimeoutError'
      ? 'timed out'
      : e?.cause?.code
        ? `${e.cause.code}`
        : (e?.cause?.message ?? e?.message ?? String(err));
  for (const s of secrets) if (s) text = text.split(s).join('***');
  return text;
}

class Retryable extends Error {}

async function attempt(
  w: WebhookConfig,
  n: Notification,
  url: string,
  secret: string | undefined,
  now: number,
) {
  const req = webhookRequest(w.format, n, { url, secret }, now);
  const res = await fetch(req.url, {
    method: 'POST',
    headers: req.headers,
    body: req.body,
    redirect: 'error',
    signal: AbortSignal.timeout(w.timeout_seconds * 1000),
  });
  const text = await res.text().catch(() => '');
  if (res.status === 429 || res.status >= 500)
    throw Object.assign(new Retryable(`HTTP ${res.status}`), { status: res.status });
  if (res.status < 200 || res.status >= 300)
    return { status: res.status, error: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ''}` };
  return { status: res.status, error: receiverError(w.format, text) };
}

export async function deliverOne(
  w: WebhookConfig,
  n: Notification,
  opts: DeliverOptions,
): Promise<DeliveryReport> {
  const report: DeliveryReport = { webhook: webhookLabel(w), event: n.event, delivered: false, attempts: 0 };
  const url = opts.env[w.url_env];
  const secret = w.secret_env ? opts.env[w.secret_env] : undefined;
  if (!url) return { ...report, error: `$${w.url_env} is not set` };
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol))
    return { ...report, error: `$${w.url_env} is not an http(s) address` };
  if (w.secret_env && !secret) return { ...report, error: `$${w.secret_env} is not set` };
  const secrets = [url, secret ?? '', ...(url.includes('?') ? [url.slice(url.indexOf('?') + 1)] : [])];
  const now = opts.now ?? Date.now;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let delay = opts.backoffMs ?? DEFAULT_BACKOFF_MS;
  for (let i = 0; i <= w.retries; i++) {
    report.attempts = i + 1;
    try {
      const outcome = await attempt(w, n, url, secret, now());
      report.status = outcome.status;
      if (outcome.error) return { ...report, error: describe(outcome.error, secrets) };
      return { ...report, delivered: true };
    } catch (err) {
      const status = (err as { status?: number }).status;
      if (status !== undefined) report.status = status;
      report.error = describe(err, secrets);
    }
    if (i < w.retries) {
      await sleep(delay);
      delay *= 2;
    }
  }
  return report;
}

/** Sends `n` to every webhook that wants its event, in parallel; never throws. */
export async function deliver(
  webhooks: readonly WebhookConfig[],
  n: Notification,
  opts: DeliverOptions,
): Promise<DeliveryReport[]> {
  return Promise.all(webhooks.filter((w) => wants(w, n.event)).map((w) => deliverOne(w, n, opts)));
}

/** A failed delivery as a warning line. */
export function deliveryWarning(r: DeliveryReport): string {
  return `webhook ${r.webhook} was not told of ${r.event}${r.attempts > 1 ? ` (${r.attempts} attempts)` : ''}: ${r.error ?? 'unknown error'}`;
}
