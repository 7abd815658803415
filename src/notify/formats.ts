/**
 * The request each webhook format expects, signed where the receiver checks a signature:
 * - json: sindri's own document; with a secret, `X-Sindri-Signature: sha256=<hex>`, the HMAC-SHA256
 *   of the body under the secret;
 * - dingtalk: a robot's `markdown` message; with a secret, `timestamp` (ms) and `sign` in the URL,
 *   sign = url-encoded base64 HMAC-SHA256 of `timestamp + "\n" + secret` under the secret
 *   (DingTalk, "custom robot security settings");
 * - lark: a custom bot's `text` message; with a secret, `timestamp` (s) and `sign` in the body,
 *   sign = base64 HMAC-SHA256 of the empty string under `timestamp + "\n" + secret` (Lark/Feishu,
 *   "custom bot" signature verification);
 * - slack: an incoming webhook's `text` and a `mrkdwn` block (the address is the secret).
 */
import { createHmac } from 'node:crypto';
import type { WebhookFormat } from '../config/types.ts';
import type { Notification } from './message.ts';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The document the json format sends (docs/notifications.md). */
export function jsonDocument(n: Notification): Record<string, unknown> {
  return {
    version: 1,
    event: n.event,
    at: n.at,
    title: n.title,
    text: n.lines.join('\n'),
    failure: n.failure,
    ...n.data,
  };
}

export function dingtalkSign(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

export function larkSign(timestampSeconds: number, secret: string): string {
  return createHmac('sha256', `${timestampSeconds}\n${secret}`).update('').digest('base64');
}

function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

export function webhookRequest(
  format: WebhookFormat,
  n: Notification,
  target: { url: string; secret?: string | undefined },
  nowMs: number,
): WebhookRequest {
  const { url, secret } = target;
  const mark = n.failure ? '✗' : '✓';
  switch (format) {
    case 'dingtalk': {
      const text = [`### ${mark} ${n.title}`, '', ...n.lines.map((l) => `- ${l}`)].join('\n');
      return {
        // URLSearchParams encodes the base64 signature's +, / and = as the robot expects.
        url: secret ? withQuery(url, { timestamp: String(nowMs), sign: dingtalkSign(nowMs, secret) }) : url,
        headers: JSON_HEADERS,
        body: JSON.stringify({ msgtype: 'markdown', markdown: { title: n.title, text } }),
      };
    }
    case 'lark': {
      const seconds = Math.floor(nowMs / 1000);
      return {
        url,
        headers: JSON_HEADERS,
        body: JSON.stringify({
          ...(secret ? { timestamp: String(seconds), sign: larkSign(seconds, secret) } : {}),
          msg_type: 'text',
          content: { text: [`${mark} ${n.title}`, ...n.lines].join('\n') },
        }),
      };
    }
    case 'slack':
      return {
        url,
        headers: JSON_HEADERS,
        body: JSON.stringify({
          text: `${mark} ${n.title}`,
          blocks: [
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: [`*${mark} ${n.title}*`, ...n.lines.map((l) => `• ${l}`)].join('\n'),
              },
            },
          ],
        }),
      };
    default: {
      const body = JSON.stringify(jsonDocument(n));
      return {
        url,
        headers: {
          ...JSON_HEADERS,
          'x-sindri-event': n.event,
          ...(secret
            ? { 'x-sindri-signature': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` }
            : {}),
        },
        body,
      };
    }
  }
}

/**
 * The receiver's own verdict in a 200 answer: DingTalk's `errcode`, Lark's `code` (`StatusCode` in
 * older answers) are 0 on success; undefined when it accepted the message.
 */
export function receiverError(format: WebhookFormat, text: string): string | undefined {
  if (format !== 'dingtalk' && format !== 'lark') return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const code = format === 'dingtalk' ? body.errcode : (body.code ?? body.StatusCode);
  if (code === undefined || code === 0) return undefined;
  const message = format === 'dingtalk' ? body.errmsg : (body.msg ?? body.StatusMessage);
  return `${format} answered ${String(code)}${message ? `: ${String(message)}` : ''}`;
}
