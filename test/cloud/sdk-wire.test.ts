/**
 * dist/sdk.cjs against the SDK packages it is built from: every action sindri calls (src/cloud/actions.ts),
 * each signature algorithm, a minimal request and one with every field of the request model set, sent
 * through both to two emulators in the same state. The requests on the wire (as bytes, recorded on the
 * way, and as the emulators' request logs read them), the responses and the errors must be the same; so
 * must the default endpoint of every product in a range of regions. Needs `npm run build`.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, it } from 'node:test';
import { SDK_ACTIONS } from '../../src/cloud/actions.ts';
import { createSdkClient } from '../../src/cloud/clients.ts';
import { PRODUCTS, type Product } from '../../src/cloud/endpoints.ts';
import { BUNDLE_PATH, loadSdk, type SdkSource } from '../../src/cloud/sdk.ts';
import {
  type Emulator,
  type LoggedRequest,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  startEmulator,
} from '../emulator/index.ts';
import { seedImage, sindriTags } from '../lifecycle/helpers.ts';

const credentials = { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET };
const REGION = 'cn-hangzhou';
const SOURCES: SdkSource[] = ['packages', 'bundle'];

interface ModelClass {
  new (map?: Record<string, unknown>): object;
  types(): Record<string, unknown>;
}
const isModel = (t: unknown): t is ModelClass =>
  typeof t === 'function' && typeof (t as Partial<ModelClass>).types === 'function';

/** A value for every field of a model, by its declared type (nested models and arrays included). */
function fill(Model: ModelClass, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, type] of Object.entries(Model.types())) out[field] = value(field, type, depth);
  return out;
}
function value(field: string, type: unknown, depth: number): unknown {
  if (type === 'string') return `v-${field}`;
  if (type === 'number') return 2;
  if (type === 'boolean') return true;
  if (isModel(type)) return depth < 3 ? fill(type, depth + 1) : {};
  if (type && typeof type === 'object') {
    const t = type as { type?: string; itemType?: unknown; valueType?: unknown };
    if (t.type === 'array') return [value(field, t.itemType, depth), value(field, t.itemType, depth)];
    if (t.type === 'map') return { k1: value(field, t.valueType, depth) };
  }
  return `v-${field}`;
}

// What differs between any two calls: nonces, times, generated IDs and request IDs.
const VOLATILE_PARAMS = new Set(['SignatureNonce', 'Timestamp']);
const ID = /\b[a-z]{1,5}-[a-z0-9]{12,}\b/g;
const UUID = /\b[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\b/gi;
const TIME = /\b\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z\b/g;
const scrub = (s: string) => s.replace(UUID, '<uuid>').replace(ID, '<id>').replace(TIME, '<time>');
function normal(v: unknown): unknown {
  if (typeof v === 'string') return scrub(v);
  if (Array.isArray(v)) return v.map(normal);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normal(x)]));
  }
  return v;
}
function wire(log: LoggedRequest[]) {
  return log.map(({ seq: _s, time: _t, requestId: _r, durationMs: _d, host: _h, params, ...rest }) =>
    normal({
      ...rest,
      params: Object.fromEntries(Object.entries(params).filter(([k]) => !VOLATILE_PARAMS.has(k))),
    }),
  );
}
/** What a call gave: the response model (class and fields) or the error (class and fields). */
function outcome(r: PromiseSettledResult<unknown>) {
  if (r.status === 'fulfilled') {
    const res = r.value as { statusCode?: number; body?: object } | undefined;
    return normal({ statusCode: res?.statusCode, class: res?.body?.constructor.name, body: res?.body });
  }
  const e = r.reason as Error & Record<string, unknown>;
  return normal({ class: e.constructor.name, name: e.name, message: e.message, fields: { ...e } });
}

interface RawRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** An HTTP hop in front of an emulator that keeps every request as it came, and passes it on unchanged. */
async function recorder(target: string) {
  const records: RawRequest[] = [];
  const to = new URL(target);
  const server = createServer(async (req, res) => {
    const body = await buffer(req);
    records.push({
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: body.toString('utf8'),
    });
    const out = httpRequest(
      { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    records,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// Headers that differ between any two requests (the signature covers the nonce and the date).
const VOLATILE_HEADERS = new Set(['x-acs-signature-nonce', 'x-acs-date', 'authorization', 'host', 'date']);
function bytes(records: RawRequest[]) {
  const form = (q: string) =>
    [...new URLSearchParams(q)].filter(([k]) => k !== 'Signature' && !VOLATILE_PARAMS.has(k));
  return records.map((r) => {
    const [path, query = ''] = r.url.split('?');
    return normal({
      method: r.method,
      path,
      query: form(query),
      headers: Object.entries(r.headers).filter(([k]) => !VOLATILE_HEADERS.has(k)),
      body: r.headers['content-type']?.includes('x-www-form-urlencoded') ? form(r.body) : r.body,
    });
  });
}

let emus: Emulator[] = [];
let hops: Array<Awaited<ReturnType<typeof recorder>>> = [];
before(async () => {
  assert.ok(existsSync(BUNDLE_PATH), `${BUNDLE_PATH} is missing: run npm run build`);
  emus = await Promise.all(SOURCES.map(() => startEmulator()));
  hops = await Promise.all(emus.map((e) => recorder(e.url)));
  for (const emu of emus) {
    for (let i = 0; i < 3; i++) {
      const createdAt = Date.UTC(2026, 0, 1 + i);
      seedImage(emu, { region: REGION, name: `wire-${i}`, tags: sindriTags(`w${i}`), createdAt });
    }
  }
});
after(async () => {
  await Promise.all([...hops.map((h) => h.stop()), ...emus.map((e) => e.stop())]);
});

describe('dist/sdk.cjs against the SDK packages', () => {
  it('holds exactly the actions in src/cloud/actions.ts', async () => {
    const { createRequire } = await import('node:module');
    const bundle = createRequire(import.meta.url)(BUNDLE_PATH) as { actions: unknown };
    assert.deepEqual(bundle.actions, SDK_ACTIONS, 'dist/sdk.cjs is stale: run npm run build');
  });

  for (const signatureAlgorithm of ['ACS3-HMAC-SHA256', 'v2'] as const) {
    for (const product of PRODUCTS) {
      it(`sends, answers and fails the same for every ${product} action (${signatureAlgorithm})`, async () => {
        const clients = await Promise.all(
          SOURCES.map((source, i) =>
            createSdkClient(
              product,
              {
                credentials,
                region: REGION,
                endpoint: { host: hops[i]?.host ?? '', protocol: 'http', source: 'test' },
                signatureAlgorithm,
              },
              source,
            ),
          ),
        );
        assert.deepEqual(
          clients.map((c) => c.sdk.source),
          SOURCES,
        );
        for (const action of SDK_ACTIONS[product]) {
          const method = `${action.charAt(0).toLowerCase()}${action.slice(1)}WithOptions`;
          const Model = clients[0]?.sdk.exports[`${action}Request`];
          const requests: Array<Record<string, unknown> | undefined> = isModel(Model)
            ? [{ regionId: REGION }, { ...fill(Model), regionId: REGION }]
            : [undefined];
          for (const [n, fields] of requests.entries()) {
            const results = [];
            const logs = [];
            const raw = [];
            for (const [i, c] of clients.entries()) {
              const emu = emus[i] as Emulator;
              const hop = hops[i] as Awaited<ReturnType<typeof recorder>>;
              emu.admin.clearRequestLog();
              hop.records.length = 0;
              const RequestModel = c.sdk.exports[`${action}Request`] as ModelClass | undefined;
              const invoke = c.client[method] as (...a: unknown[]) => Promise<unknown>;
              assert.equal(typeof invoke, 'function', `${c.sdk.source} has no ${product} ${method}`);
              const args = RequestModel ? [new RequestModel(structuredClone(fields)), {}] : [{}];
              results.push(outcome((await Promise.allSettled([invoke.apply(c.client, args)]))[0] as never));
              logs.push(wire(emu.admin.requestLog()));
              raw.push(bytes(hop.records));
            }
            const what = `${product} ${action} ${n === 0 ? 'minimal' : 'every field'}`;
            assert.ok((logs[0]?.length ?? 0) <= 1, `${what}: more than one request`);
            assert.deepEqual(raw[1], raw[0], `${what}: different bytes on the wire`);
            assert.deepEqual(logs[1], logs[0], `${what}: different requests on the wire`);
            assert.deepEqual(results[1], results[0], `${what}: different outcome`);
          }
        }
      });
    }
  }

  it('picks the same default endpoint in every region', async () => {
    const regions = [
      'cn-hangzhou',
      'cn-shanghai',
      'cn-beijing',
      'cn-shenzhen',
      'cn-hongkong',
      'cn-shanghai-finance-1',
      'cn-beijing-gov-1',
      'ap-southeast-1',
      'ap-northeast-1',
      'eu-central-1',
      'us-west-1',
      'me-east-1',
      'no-such-region-9',
    ];
    for (const product of PRODUCTS) {
      for (const region of regions) {
        const hosts = await Promise.all(
          SOURCES.map(
            async (source) => (await createSdkClient(product, { credentials, region }, source)).host,
          ),
        );
        assert.equal(hosts[1], hosts[0], `${product} in ${region}`);
      }
    }
  });

  it('loads each product from the bundle without the SDK packages', async () => {
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const code = `
      import { createRequire } from 'node:module';
      const require = createRequire(process.cwd() + '/package.json');
      const { loadSdk } = await import('./src/cloud/sdk.ts');
      for (const p of ${JSON.stringify(PRODUCTS)}) await loadSdk(p, 'bundle');
      console.log(JSON.stringify(Object.keys(require.cache).filter((k) => k.includes('node_modules'))));
    `;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
      cwd: new URL('../..', import.meta.url).pathname,
    });
    assert.deepEqual(JSON.parse(stdout.trim()), []);
    for (const p of PRODUCTS) assert.equal((await loadSdk(p as Product, 'bundle')).source, 'bundle');
  });
});
