/**
 * The loopback proxy packer's API calls pass through: it forwards them unchanged (directly, or
 * through the proxy the environment names), tunnels CONNECT, and reports exactly the calls RAM
 * refused, keeping nothing of the request but the action name.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { connect, createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { type ApiRefusal, routeThroughWatch, startApiWatch } from '../../src/packer/api-watch.ts';

interface Seen {
  url: string;
  host: string | undefined;
  proxyAuthorization: string | undefined;
  body: string;
}

/** An HTTP server answering each request with the status and JSON body `answer` picks. */
async function listen(
  answer: (req: IncomingMessage, body: string) => { status: number; body: unknown },
): Promise<{ server: Server; port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({
        url: req.url ?? '',
        host: req.headers.host,
        proxyAuthorization: req.headers['proxy-authorization'],
        body,
      });
      const a = answer(req, body);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0, seen };
}

/** Sends `path` (an absolute URL) to the proxy at `proxyPort`, as packer's Go client does. */
function viaProxy(
  proxyPort: number,
  url: string,
  opts: { method?: string; body?: string; contentType?: string } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const req = request(
      {
        host: '127.0.0.1',
        port: proxyPort,
        path: url,
        method: opts.method ?? 'GET',
        headers: {
          host: target.host,
          ...(opts.contentType ? { 'content-type': opts.contentType } : {}),
        },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => {
          body += c;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(opts.body ?? '');
  });
}

const DENIED = { Code: 'Forbidden.RAM', Message: 'User not authorized', RequestId: 'REQ-DENIED-1' };
const SECRET_QUERY =
  'AccessKeyId=LTAI-FAKE-WATCH-0001&Signature=c2VjcmV0&SecurityToken=fake-sts-token-canary';

describe('the API watch', () => {
  let api: Awaited<ReturnType<typeof listen>>;
  before(async () => {
    api = await listen((req, body) => {
      const action =
        new URL(req.url ?? '/', 'http://x').searchParams.get('Action') ??
        new URLSearchParams(body).get('Action');
      if (action === 'AttachKeyPair' || action === 'DescribeInstances') return { status: 403, body: DENIED };
      if (action === 'CreateVpc') return { status: 400, body: { Code: 'InvalidParameter', RequestId: 'R2' } };
      return { status: 200, body: { RequestId: 'R3', Action: action } };
    });
  });
  after(() => api.server.close());

  test('forwards calls unchanged and reports only the refused ones, by action', async () => {
    const refusals: ApiRefusal[] = [];
    const watch = await startApiWatch({ env: {}, onRefusal: (r) => refusals.push(r) });
    try {
      const base = `http://127.0.0.1:${api.port}/`;
      const port = Number(new URL(watch.url).port);
      const ok = await viaProxy(port, `${base}?Action=DescribeVpcs&${SECRET_QUERY}`);
      assert.equal(ok.status, 200);
      assert.deepEqual(JSON.parse(ok.body), { RequestId: 'R3', Action: 'DescribeVpcs' });
      const bad = await viaProxy(port, `${base}?Action=CreateVpc&${SECRET_QUERY}`);
      assert.equal(bad.status, 400, 'a non-RAM error passes through and is not a refusal');
      const denied = await viaProxy(port, `${base}?Action=AttachKeyPair&${SECRET_QUERY}`);
      assert.equal(denied.status, 403);
      assert.deepEqual(JSON.parse(denied.body), DENIED, 'the refusal reaches packer as it came');
      // packer's SDK may send the parameters as a form body instead of the query
      await viaProxy(port, base, {
        method: 'POST',
        body: `Action=DescribeInstances&${SECRET_QUERY}`,
        contentType: 'application/x-www-form-urlencoded',
      });
      assert.deepEqual(refusals, [
        { action: 'AttachKeyPair', code: 'Forbidden.RAM', requestId: 'REQ-DENIED-1' },
        { action: 'DescribeInstances', code: 'Forbidden.RAM', requestId: 'REQ-DENIED-1' },
      ]);
      assert.equal(watch.calls(), 4);
      const last = api.seen.at(-1);
      assert.equal(last?.body, `Action=DescribeInstances&${SECRET_QUERY}`, 'the body goes on unchanged');
      assert.equal(
        api.seen.at(0)?.url,
        `/?Action=DescribeVpcs&${SECRET_QUERY}`,
        'the query goes on unchanged',
      );
      assert.doesNotMatch(JSON.stringify(refusals), /LTAI-FAKE|canary|Signature/);
    } finally {
      await watch.close();
    }
  });

  test('reports a call exactly when its answer is a RAM refusal (property)', async () => {
    let answer = { status: 200, body: {} as unknown };
    const upstream = await listen(() => answer);
    const refusals: ApiRefusal[] = [];
    const watch = await startApiWatch({ env: {}, onRefusal: (r) => refusals.push(r) });
    const port = Number(new URL(watch.url).port);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.stringMatching(/^[A-Z][A-Za-z]{0,30}$/),
          fc.constantFrom(
            'Forbidden.RAM',
            'Forbidden',
            'NoPermission',
            'Throttling.User',
            'InvalidParameter',
            'Forbidden.RiskControl',
          ),
          fc.constantFrom(200, 400, 403, 404, 500),
          fc.boolean(),
          async (action, code, status, json) => {
            refusals.length = 0;
            answer = { status, body: json ? { Code: code, RequestId: 'R-P' } : `<html>${code}</html>` };
            const r = await viaProxy(
              port,
              `http://127.0.0.1:${upstream.port}/?Action=${action}&${SECRET_QUERY}`,
            );
            assert.equal(r.status, status, 'the status passes through');
            const refused =
              json && status >= 400 && ['Forbidden.RAM', 'Forbidden', 'NoPermission'].includes(code);
            assert.deepEqual(refusals, refused ? [{ action, code, requestId: 'R-P' }] : []);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      await watch.close();
      upstream.server.close();
    }
  });

  test('goes through the proxy the environment names, unless NO_PROXY exempts the host', async () => {
    const proxy = await listen(() => ({ status: 200, body: { via: 'proxy' } }));
    const watch = await startApiWatch({
      env: { HTTP_PROXY: `http://user:p%40ss@127.0.0.1:${proxy.port}`, NO_PROXY: 'localhost' },
      onRefusal: () => {},
    });
    try {
      const port = Number(new URL(watch.url).port);
      const r = await viaProxy(port, 'http://ecs-cn-hangzhou.aliyuncs.com/?Action=DescribeRegions');
      assert.deepEqual(JSON.parse(r.body), { via: 'proxy' });
      assert.equal(proxy.seen[0]?.url, 'http://ecs-cn-hangzhou.aliyuncs.com/?Action=DescribeRegions');
      assert.equal(proxy.seen[0]?.host, 'ecs-cn-hangzhou.aliyuncs.com');
      assert.equal(proxy.seen[0]?.proxyAuthorization, `Basic ${Buffer.from('user:p@ss').toString('base64')}`);
      // NO_PROXY: straight to the host
      const direct = await viaProxy(port, `http://localhost:${api.port}/?Action=DescribeRegions`);
      assert.deepEqual(JSON.parse(direct.body), { RequestId: 'R3', Action: 'DescribeRegions' });
      assert.equal(proxy.seen.length, 1);
    } finally {
      await watch.close();
      proxy.server.close();
    }
  });

  describe('CONNECT', () => {
    let echo: TcpServer;
    let echoPort = 0;
    before(async () => {
      echo = createTcpServer((s) => s.pipe(s));
      await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
      const a = echo.address();
      echoPort = typeof a === 'object' && a ? a.port : 0;
    });
    after(() => echo.close());

    /** Opens a CONNECT tunnel through `port` and returns everything read after sending `payload`. */
    const tunnel = (port: number, authority: string, payload: string) =>
      new Promise<string>((resolve, reject) => {
        const s = connect(port, '127.0.0.1', () => {
          s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n\r\n`);
          setTimeout(() => s.write(payload), 50);
          setTimeout(() => s.end(), 250);
        });
        let got = '';
        s.setEncoding('utf8').on('data', (c: string) => {
          got += c;
        });
        s.on('close', () => resolve(got));
        s.on('error', reject);
      });

    test('tunnels directly', async () => {
      const watch = await startApiWatch({ env: {}, onRefusal: () => {} });
      try {
        const got = await tunnel(Number(new URL(watch.url).port), `127.0.0.1:${echoPort}`, 'ping');
        assert.match(got, /^HTTP\/1\.1 200 Connection Established\r\n\r\nping$/);
      } finally {
        await watch.close();
      }
    });

    test('answers 502 when the host cannot be reached', async () => {
      const closed = createTcpServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
      const a = closed.address();
      const closedPort = typeof a === 'object' && a ? a.port : 0;
      await new Promise<void>((r) => closed.close(() => r()));
      const watch = await startApiWatch({ env: {}, onRefusal: () => {} });
      try {
        const got = await tunnel(Number(new URL(watch.url).port), `127.0.0.1:${closedPort}`, '');
        assert.match(got, /^HTTP\/1\.1 502 Bad Gateway\r\n/);
      } finally {
        await watch.close();
      }
    });

    test("passes an upstream proxy's refusal back as it is", async () => {
      const refusing = createTcpServer((s) => {
        s.once('data', (chunk: Buffer) => {
          assert.match(chunk.toString(), /^CONNECT location-readonly\.aliyuncs\.com:443 HTTP\/1\.1\r\n/);
          s.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
        });
      });
      await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
      const a = refusing.address();
      const proxyPort = typeof a === 'object' && a ? a.port : 0;
      const watch = await startApiWatch({
        env: { HTTPS_PROXY: `http://127.0.0.1:${proxyPort}` },
        onRefusal: () => {},
      });
      try {
        const got = await tunnel(Number(new URL(watch.url).port), 'location-readonly.aliyuncs.com:443', '');
        assert.match(got, /^HTTP\/1\.1 403 Forbidden\r\n/);
      } finally {
        await watch.close();
        refusing.close();
      }
    });
  });

  test("packer's environment routes every host through the watch", () => {
    const env: Record<string, string> = {
      HTTP_PROXY: 'http://corp.example.com:3128',
      https_proxy: 'http://corp.example.com:3128',
      NO_PROXY: '.aliyuncs.com',
      no_proxy: '.aliyuncs.com',
      ALICLOUD_REGION: 'cn-hangzhou',
    };
    routeThroughWatch(env, 'http://127.0.0.1:9');
    assert.deepEqual(env, {
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      http_proxy: 'http://127.0.0.1:9',
      https_proxy: 'http://127.0.0.1:9',
      ALICLOUD_REGION: 'cn-hangzhou',
    });
  });
});
