/**
 * A package mirror for sandbox builds: an HTTP server on 127.0.0.1 that answers apt's requests for
 * `/debian/...` and `/debian-security/...` from Debian's own archives (apt checks every file against
 * the signed Release, so passing them on changes nothing), counting what it served.
 */
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const UPSTREAM: Record<string, string> = {
  debian: 'http://deb.debian.org/debian',
  'debian-security': 'http://security.debian.org/debian-security',
};

export interface AptMirror {
  /** `http://127.0.0.1:PORT/{distro}`, for build.mirrors.apt. */
  url: string;
  /** Paths served so far. */
  served: string[];
  close(): Promise<void>;
}

export async function startAptMirror(): Promise<AptMirror> {
  const served: string[] = [];
  const server: Server = createServer((req, res) => {
    const m = /^\/(debian|debian-security)(\/.*)$/.exec(req.url ?? '');
    const base = m ? UPSTREAM[m[1] as string] : undefined;
    if (!m || !base) {
      res.writeHead(404).end();
      return;
    }
    served.push(req.url ?? '');
    get(`${base}${m[2]}`, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    }).on('error', () => res.writeHead(502).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/{distro}`,
    served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
