/** The admin API over HTTP, under `/__admin/`: the same operations as the in-process `EmulatorAdmin`. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiServer } from './server.ts';

type Route = (server: ApiServer, body: Record<string, unknown>, url: URL, match: RegExpExecArray) => unknown;

const ROUTES: Array<[string, RegExp, Route]> = [
  ['GET', /^\/__admin\/health$/, (s) => ({ ok: true, url: s.url, sshPort: s.sshPort })],
  ['POST', /^\/__admin\/accounts$/, (s, b) => s.admin.seedAccount(b)],
  ['POST', /^\/__admin\/users$/, (s, b) => s.admin.createRamUser(b as never)],
  ['POST', /^\/__admin\/faults$/, (s, b) => ({ id: s.admin.injectFault(b) })],
  ['GET', /^\/__admin\/faults$/, (s) => s.admin.listFaults()],
  ['DELETE', /^\/__admin\/faults(?:\/([\w-]+))?$/, (s, _b, _u, m) => s.admin.clearFaults(m[1])],
  [
    'GET',
    /^\/__admin\/requests$/,
    (s, _b, u) =>
      s.admin.requestLog({
        ...(u.searchParams.get('action') ? { action: u.searchParams.get('action') ?? '' } : {}),
        ...(u.searchParams.get('product') ? { product: u.searchParams.get('product') ?? '' } : {}),
      }),
  ],
  ['DELETE', /^\/__admin\/requests$/, (s) => s.admin.clearRequestLog()],
  [
    'GET',
    /^\/__admin\/resources$/,
    (s, _b, u) => s.admin.liveResources(u.searchParams.get('region') ?? undefined),
  ],
  ['POST', /^\/__admin\/reset$/, (s) => s.admin.reset()],
  ['POST', /^\/__admin\/time-scale$/, (s, b) => s.admin.setTimeScale(Number(b.timeScale))],
  ['POST', /^\/__admin\/advance-time$/, (s, b) => s.admin.advanceTime(Number(b.ms))],
  ['POST', /^\/__admin\/delays$/, (s, b) => s.admin.setDelays(b)],
  ['POST', /^\/__admin\/quotas$/, (s, b) => s.admin.setQuotas(b)],
  ['GET', /^\/__admin\/instances\/([\w-]+)\/records$/, (s, _b, _u, m) => s.admin.instanceRecords(m[1] ?? '')],
  ['POST', /^\/__admin\/command-results$/, (s, b) => ({ id: s.admin.setCommandResult(b as never) })],
  ['DELETE', /^\/__admin\/command-results$/, (s) => s.admin.clearCommandResults()],
  ['POST', /^\/__admin\/nat-gateways$/, (s, b) => ({ id: s.admin.addNatGateway(b as never) })],
  ['POST', /^\/__admin\/no-stock$/, (s, b) => ({ id: s.admin.setNoStock(b as never) })],
  ['DELETE', /^\/__admin\/no-stock(?:\/([\w-]+))?$/, (s, _b, _u, m) => s.admin.clearNoStock(m[1])],
  [
    'GET',
    /^\/__admin\/invocations$/,
    (s, _b, u) => s.admin.invocations(u.searchParams.get('instanceId') ?? undefined),
  ],
];

export async function handleAdmin(
  server: ApiServer,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: Buffer,
): Promise<void> {
  const send = (status: number, value: unknown) => {
    const text = JSON.stringify(value ?? { ok: true });
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(text);
  };
  for (const [method, re, route] of ROUTES) {
    const m = re.exec(url.pathname);
    if (!m || method !== req.method) continue;
    let parsed: Record<string, unknown> = {};
    try {
      parsed = body.length > 0 ? (JSON.parse(body.toString('utf8')) as Record<string, unknown>) : {};
    } catch {
      return send(400, { error: 'the body must be JSON' });
    }
    try {
      return send(200, route(server, parsed, url, m));
    } catch (err) {
      return send(400, { error: err instanceof Error ? err.message : String(err) });
    }
  }
  send(404, { error: `no admin route ${req.method} ${url.pathname}` });
}
