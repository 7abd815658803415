/**
 * A minimal stand-in for the Alibaba Cloud RPC API, for tests of the client factory that must
 * not depend on the full emulator: it answers by action, records every request, and lets a
 * test script failures. It does not verify signatures.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  action: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  /** The request target as received: an absolute URL when it came through as a proxy request. */
  target: string;
}

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; html: string }
  | { destroy: true }
  /** Never answer (until the server stops). */
  | { hang: true };

export type Handler = (req: SeenRequest, nth: number) => Reply | undefined;

export async function startFakeApi(handler: Handler) {
  const seen: SeenRequest[] = [];
  const counts = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => {
      const target = req.url ?? '/';
      const url = new URL(target, 'http://placeholder');
      const action = String(req.headers['x-acs-action'] ?? url.searchParams.get('Action') ?? '');
      const entry = { action, query: url.searchParams, headers: req.headers, target };
      seen.push(entry);
      const nth = (counts.get(action) ?? 0) + 1;
      counts.set(action, nth);
      const reply = handler(entry, nth) ?? { status: 200, json: { RequestId: `REQ-${action}-${nth}` } };
      if ('hang' in reply) return;
      if ('destroy' in reply) {
        req.socket.destroy();
        return;
      }
      if ('html' in reply) {
        res.writeHead(reply.status, { 'content-type': 'text/html' }).end(reply.html);
        return;
      }
      res
        .writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers })
        .end(JSON.stringify(reply.json));
    });
  });
  const connects: string[] = [];
  // As a forward proxy, refuse HTTPS tunnels but record them.
  server.on('connect', (req: IncomingMessage, socket) => {
    connects.push(req.url ?? '');
    socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    seen,
    connects,
    endpoint: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export function apiError(
  status: number,
  code: string,
  message = `fake ${code}`,
  headers?: Record<string, string>,
): Reply {
  return {
    status,
    json: {
      RequestId: `REQ-${code}`,
      HostId: 'ecs.example.test',
      Code: code,
      Message: message,
      Recommend: '',
    },
    headers,
  };
}
