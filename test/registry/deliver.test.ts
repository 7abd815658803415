/**
 * Webhook delivery against a local receiver: what is retried (unreachable, timeouts, 429, 5xx) and
 * what is not (other 4xx, a receiver's own error code), what is never sent (no address, no secret),
 * and that no report carries the address or the secret.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { WebhookConfig } from '../../src/config/types.ts';
import { deliver, deliverOne } from '../../src/notify/deliver.ts';
import { dingtalkSign, receiverError, webhookRequest } from '../../src/notify/formats.ts';
import type { Notification } from '../../src/notify/message.ts';

const N: Notification = {
  event: 'build-succeeded',
  at: '2026-01-05T10:10:10.000Z',
  title: 'sindri: web built',
  lines: ['build 20260105-101010-abcdef'],
  failure: false,
  data: { build: { name: 'web' } },
};

let server: Server;
let base: string;
/** Path → the answers to give, in order (the last one repeats). */
const answers = new Map<string, Array<{ status: number; body?: string; hang?: boolean }>>();
const hits = new Map<string, number>();

before(async () => {
  server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const n = hits.get(path) ?? 0;
    hits.set(path, n + 1);
    const list = answers.get(path) ?? [{ status: 200 }];
    const a = list[Math.min(n, list.length - 1)] as { status: number; body?: string; hang?: boolean };
    req.resume();
    if (a.hang) return;
    res.writeHead(a.status).end(a.body ?? 'ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  return new Promise((r) => server.close(r));
});

const hook = (extra: Partial<WebhookConfig> = {}): WebhookConfig => ({
  format: 'json',
  url_env: 'HOOK',
  retries: 3,
  timeout_seconds: 5,
  ...extra,
});
const noSleep = { sleep: async () => {} };

describe('webhook delivery', () => {
  it('retries 429, 5xx and timeouts with doubling backoff; not other 4xx', async () => {
    answers.set('/busy', [{ status: 503 }, { status: 429 }, { status: 200 }]);
    const waits: number[] = [];
    const busy = await deliverOne(hook(), N, {
      env: { HOOK: `${base}/busy` },
      backoffMs: 100,
      sleep: async (ms) => {
        waits.push(ms);
      },
    });
    assert.deepEqual([busy.delivered, busy.attempts, waits], [true, 3, [100, 200]]);

    answers.set('/gone', [{ status: 404, body: 'no_service' }]);
    const gone = await deliverOne(hook(), N, { env: { HOOK: `${base}/gone` }, ...noSleep });
    assert.deepEqual(
      [gone.delivered, gone.attempts, gone.status, gone.error],
      [false, 1, 404, 'HTTP 404: no_service'],
    );

    answers.set('/hang', [{ status: 200, hang: true }]);
    const slow = await deliverOne(hook({ timeout_seconds: 1, retries: 1 }), N, {
      env: { HOOK: `${base}/hang` },
      ...noSleep,
    });
    assert.deepEqual([slow.delivered, slow.attempts, slow.error], [false, 2, 'timed out']);
  });

  it("a receiver's own error code is a failure, and not retried", async () => {
    answers.set('/ding', [{ status: 200, body: '{"errcode":310000,"errmsg":"sign not match"}' }]);
    const r = await deliverOne(hook({ format: 'dingtalk' }), N, {
      env: { HOOK: `${base}/ding` },
      ...noSleep,
    });
    assert.deepEqual(
      [r.delivered, r.attempts, r.error],
      [false, 1, 'dingtalk answered 310000: sign not match'],
    );
    assert.equal(
      receiverError('lark', '{"code":19021,"msg":"sign match fail"}'),
      'lark answered 19021: sign match fail',
    );
    assert.equal(receiverError('lark', '{"StatusCode":0,"StatusMessage":"success"}'), undefined);
    assert.equal(receiverError('slack', 'ok'), undefined);
  });

  it('sends nothing without its address or secret, and names neither in any report', async () => {
    const missing = await deliverOne(hook({ secret_env: 'SECRET' }), N, { env: { HOOK: `${base}/x` } });
    assert.equal(missing.error, '$SECRET is not set');
    assert.equal((await deliverOne(hook(), N, { env: {} })).error, '$HOOK is not set');
    assert.equal(
      (await deliverOne(hook(), N, { env: { HOOK: 'ftp://example.com/x' } })).error,
      '$HOOK is not an http(s) address',
    );
    const token = 'FAKE-TOKEN-IN-THE-ADDRESS-0001';
    answers.set('/echo', [{ status: 400, body: `bad request for ${base}/echo?access_token=${token}` }]);
    const echoed = await deliverOne(hook(), N, {
      env: { HOOK: `${base}/echo?access_token=${token}` },
      ...noSleep,
    });
    assert.ok(!JSON.stringify(echoed).includes(token), JSON.stringify(echoed));
  });

  it('only the webhooks that asked for the event are told', async () => {
    hits.clear();
    const reports = await deliver(
      [hook({ name: 'all' }), hook({ name: 'revocations', url_env: 'OTHER', events: ['revoked'] })],
      N,
      { env: { HOOK: `${base}/all`, OTHER: `${base}/other` } },
    );
    assert.deepEqual(
      reports.map((r) => [r.webhook, r.delivered]),
      [['all', true]],
    );
    assert.equal(hits.get('/other'), undefined);
  });

  it("DingTalk's signature goes in the address url-encoded, whatever the secret and time", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        (secret, ts) => {
          const req = webhookRequest(
            'dingtalk',
            N,
            { url: 'https://oapi.dingtalk.com/robot/send?access_token=t', secret },
            ts,
          );
          const url = new URL(req.url);
          assert.equal(url.searchParams.get('access_token'), 't');
          assert.equal(url.searchParams.get('timestamp'), String(ts));
          assert.equal(url.searchParams.get('sign'), dingtalkSign(ts, secret));
          assert.ok(
            !/[+/=]/.test(req.url.slice(req.url.indexOf('sign=') + 5)),
            'base64 characters are escaped',
          );
        },
      ),
    );
  });
});
