/**
 * A loopback HTTP proxy between packer and the Alibaba Cloud API.
 *
 * Packer 1.6.6's builder sends its API calls as plain HTTP through HTTP_PROXY, and retries a call
 * that RAM refused: a refused DescribeInstances or AttachKeyPair keeps the build instance running
 * for up to 30 minutes before packer gives up, and its message never names the action. Passing the
 * calls through sindri lets the build see the refusal as it happens, stop packer at once and name
 * the action.
 *
 * Requests go on unchanged, to the proxy the environment names for them or directly; CONNECT
 * tunnels (packer's HTTPS location look-up) are passed through byte for byte. Only the action
 * name, the error code and the request ID are kept: the query of every request carries the
 * AccessKey ID, the signature and the STS token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { buffer } from 'node:stream/consumers';
import { proxyFor } from '../cloud/endpoints.ts';
import { isPermissionDenied } from '../cloud/errors.ts';

// Not an ES import: that would read node:http's WebSocket getter, which loads all of undici.
const { createServer, request } = process.getBuiltinModule('node:http');

export interface ApiRefusal {
  /** `CreateInstance` */
  action: string;
  code: string;
  requestId: string | undefined;
}

/** A temporary resource packer's call made or removed (from the call and its answer; no secrets). */
export interface CreatedResource {
  event: 'created' | 'deleted';
  kind: ResourceKind;
  id: string;
  region: string;
}

export type ResourceKind = 'instance' | 'eip' | 'vpc' | 'vswitch' | 'security-group' | 'key-pair' | 'image';

/** The actions that make or remove a resource packer's build creates, and where its ID is. */
const CREATES: Record<string, [ResourceKind, string]> = {
  CreateInstance: ['instance', 'InstanceId'],
  RunInstances: ['instance', 'InstanceIdSets'],
  AllocateEipAddress: ['eip', 'AllocationId'],
  CreateVpc: ['vpc', 'VpcId'],
  CreateVSwitch: ['vswitch', 'VSwitchId'],
  CreateSecurityGroup: ['security-group', 'SecurityGroupId'],
  CreateKeyPair: ['key-pair', 'KeyPairName'],
  CreateImage: ['image', 'ImageId'],
};
const DELETES: Record<string, [ResourceKind, string]> = {
  DeleteInstance: ['instance', 'InstanceId'],
  ReleaseEipAddress: ['eip', 'AllocationId'],
  DeleteVpc: ['vpc', 'VpcId'],
  DeleteVSwitch: ['vswitch', 'VSwitchId'],
  DeleteSecurityGroup: ['security-group', 'SecurityGroupId'],
  DeleteKeyPairs: ['key-pair', 'KeyPairNames'],
  DeleteImage: ['image', 'ImageId'],
};

/** What a successful call created or deleted, from its parameters and its answer. */
export function resourcesOf(action: string, params: URLSearchParams, answer: Buffer): CreatedResource[] {
  const region = params.get('RegionId') ?? '';
  const deleted = DELETES[action];
  if (deleted) {
    const value = params.get(deleted[1]) ?? '';
    const ids = value.startsWith('[') ? (JSON.parse(value) as string[]) : [value];
    return ids.filter(Boolean).map((id) => ({ event: 'deleted', kind: deleted[0], id, region }));
  }
  const created = CREATES[action];
  if (!created) return [];
  try {
    const body = JSON.parse(answer.toString('utf8')) as Record<string, unknown>;
    const value = body[created[1]];
    const ids =
      typeof value === 'string'
        ? [value]
        : ((value as { InstanceIdSet?: string[] } | undefined)?.InstanceIdSet ?? []);
    return ids.filter(Boolean).map((id) => ({ event: 'created', kind: created[0], id, region }));
  } catch {
    return [];
  }
}

export interface ApiWatch {
  /** `http://127.0.0.1:port`, for packer's HTTP_PROXY and HTTPS_PROXY. */
  url: string;
  /** Calls seen so far. */
  calls(): number;
  close(): Promise<void>;
}

export interface ApiWatchOptions {
  /** Where the calls go on: HTTP_PROXY / HTTPS_PROXY / NO_PROXY as the user set them. */
  env: NodeJS.ProcessEnv;
  onRefusal(refusal: ApiRefusal): void;
  /** Every temporary resource a call made or removed, for the build's journal. */
  onResource?(resource: CreatedResource): void;
}

/** The parameters of an RPC call: the query, and a form body's. */
function paramsOf(target: URL, body: Buffer, contentType: string | undefined): URLSearchParams {
  const params = new URLSearchParams(target.searchParams);
  if (contentType?.includes('application/x-www-form-urlencoded'))
    for (const [k, v] of new URLSearchParams(body.toString('utf8'))) params.set(k, v);
  return params;
}

/** `Code` and `RequestId` of an error response, without keeping anything else of it. */
function errorOf(status: number, body: Buffer): { code: string; requestId: string | undefined } | undefined {
  if (status < 400) return undefined;
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { Code?: unknown; RequestId?: unknown };
    if (typeof parsed.Code !== 'string') return undefined;
    return {
      code: parsed.Code,
      requestId: typeof parsed.RequestId === 'string' ? parsed.RequestId : undefined,
    };
  } catch {
    return undefined;
  }
}

/** A URL's hostname as sockets take it: `[::1]` → `::1`. */
const bare = (hostname: string) => hostname.replace(/^\[|\]$/g, '');

function proxyAuthorization(proxy: URL | undefined): string | undefined {
  if (!proxy?.username) return undefined;
  const user = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
  return `Basic ${Buffer.from(user).toString('base64')}`;
}

export async function startApiWatch(opts: ApiWatchOptions): Promise<ApiWatch> {
  const sockets = new Set<Socket>();
  let calls = 0;

  const forward = async (req: IncomingMessage, res: ServerResponse) => {
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('sindri forwards only proxy requests (absolute URLs)\n');
      return;
    }
    calls++;
    const body = await buffer(req);
    const params = paramsOf(target, body, req.headers['content-type']);
    const action = params.get('Action') ?? '';
    const via = proxyFor(target.href, opts.env);
    const proxy = via ? new URL(via) : undefined;
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const auth = proxyAuthorization(proxy);
    if (auth) headers['proxy-authorization'] = auth;
    const upstream = request(
      proxy
        ? {
            host: bare(proxy.hostname),
            port: proxy.port || 80,
            path: target.href,
            method: req.method,
            headers,
          }
        : {
            host: bare(target.hostname),
            port: target.port || 80,
            path: `${target.pathname}${target.search}`,
            method: req.method,
            headers,
          },
    );
    // A request packer gives up on (its own timeout) is given up upstream too.
    res.on('close', () => {
      if (!res.writableFinished) upstream.destroy();
    });
    upstream.on('error', () => res.destroy());
    upstream.on('response', async (up) => {
      try {
        const answer = await buffer(up);
        const failure = errorOf(up.statusCode ?? 0, answer);
        if (failure && action && isPermissionDenied(failure.code)) opts.onRefusal({ action, ...failure });
        if (!failure && (up.statusCode ?? 0) < 400 && opts.onResource)
          for (const resource of resourcesOf(action, params, answer)) opts.onResource(resource);
        res.writeHead(up.statusCode ?? 502, up.headers);
        res.end(answer);
      } catch {
        res.destroy();
      }
    });
    upstream.end(body);
  };

  const tunnel = (req: IncomingMessage, client: Socket, head: Buffer) => {
    const authority = req.url ?? '';
    const via = proxyFor(`https://${authority}`, opts.env);
    const proxy = via ? new URL(via) : undefined;
    const [host, port] = [
      bare(authority.replace(/:\d+$/, '')),
      Number(/:(\d+)$/.exec(authority)?.[1] ?? 443),
    ];
    const server = proxy ? connect(Number(proxy.port || 80), bare(proxy.hostname)) : connect(port, host);
    sockets.add(server);
    server.on('close', () => sockets.delete(server));
    const fail = () => {
      client.destroy();
      server.destroy();
    };
    let established = false;
    server.on('error', () => {
      server.destroy();
      // Not connected yet: packer gets an answer; a broken tunnel is just closed.
      if (!established && client.writable)
        client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
      else fail();
    });
    client.on('error', fail);
    server.on('connect', () => {
      established = true;
      if (proxy) {
        // The upstream proxy answers the CONNECT itself; its answer goes back to packer as it is.
        const auth = proxyAuthorization(proxy);
        server.write(
          `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth ? `Proxy-Authorization: ${auth}\r\n` : ''}\r\n`,
        );
      } else {
        client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      }
      if (head.length > 0) server.write(head);
      server.pipe(client);
      client.pipe(server);
    });
  };

  const http = createServer((req, res) => {
    forward(req, res).catch(() => res.destroy());
  });
  http.on('connect', tunnel);
  http.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    calls: () => calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        http.close(() => resolve());
      }),
  };
}

/** Points packer's HTTP client at the watch for every host (the watch applies NO_PROXY itself). */
export function routeThroughWatch(packerEnv: Record<string, string>, watchUrl: string): void {
  for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy']) packerEnv[name] = watchUrl;
  for (const name of ['NO_PROXY', 'no_proxy']) delete packerEnv[name];
}
