import { CloudError } from './errors.ts';

export const PRODUCTS = ['ecs', 'vpc', 'ram', 'sts'] as const;
export type Product = (typeof PRODUCTS)[number];

export interface EndpointOverrides {
  ecs?: string;
  vpc?: string;
  ram?: string;
  sts?: string;
}

/** An endpoint as the SDK wants it: `host[:port]` and the protocol apart. */
export interface Endpoint {
  host: string;
  protocol: 'http' | 'https';
  /** Where it came from: `env:SINDRI_ENDPOINT_ECS`, `env:SINDRI_ENDPOINT`, `config`, `default`. */
  source: string;
}

export function endpointUrl(e: Pick<Endpoint, 'host' | 'protocol'>): string {
  return `${e.protocol}://${e.host}`;
}

/**
 * Parses `https://ecs.example.com`, `http://127.0.0.1:8080`, `http://host:port/` or a bare
 * `host[:port]` (HTTPS). Paths, queries and credentials in the URL are refused.
 */
export function parseEndpoint(value: string, what = 'endpoint'): Pick<Endpoint, 'host' | 'protocol'> {
  const raw = value.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CloudError({
      code: 'InvalidEndpoint',
      message: `${what} "${raw}" is not a URL or host[:port].`,
    });
  }
  const protocol = url.protocol.replace(/:$/, '');
  if (protocol !== 'http' && protocol !== 'https') {
    throw new CloudError({
      code: 'InvalidEndpoint',
      message: `${what} "${raw}" must use http:// or https://.`,
    });
  }
  if (url.username || url.password) {
    throw new CloudError({ code: 'InvalidEndpoint', message: `${what} must not contain credentials.` });
  }
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash) {
    throw new CloudError({
      code: 'InvalidEndpoint',
      message: `${what} "${raw}" must not have a path or query.`,
    });
  }
  return { host: url.host, protocol };
}

/**
 * Endpoint overrides per product, most specific first: `SINDRI_ENDPOINT_<PRODUCT>`, then
 * `SINDRI_ENDPOINT` (all products, handy for the emulator), then config `endpoints:`.
 * Products without an override use the SDK's own regional endpoint table.
 */
export function resolveEndpointOverrides(
  env: NodeJS.ProcessEnv,
  config: EndpointOverrides = {},
): Partial<Record<Product, Endpoint>> {
  const out: Partial<Record<Product, Endpoint>> = {};
  for (const p of PRODUCTS) {
    const specificVar = `SINDRI_ENDPOINT_${p.toUpperCase()}`;
    const candidates: [string | undefined, string][] = [
      [env[specificVar], `env:${specificVar}`],
      [env.SINDRI_ENDPOINT, 'env:SINDRI_ENDPOINT'],
      [config[p], 'config'],
    ];
    for (const [value, source] of candidates) {
      if (value?.trim()) {
        out[p] = {
          ...parseEndpoint(value, source === 'config' ? `endpoints.${p}` : source.slice(4)),
          source,
        };
        break;
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Proxies

function envValue(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name] ?? env[name.toLowerCase()];
  return v?.trim() ? v.trim() : undefined;
}

/** Whether NO_PROXY exempts `host` (with optional `port`). Supports `*`, suffixes, `.suffix`, `host:port`. */
export function bypassesProxy(hostname: string, port: string, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  for (const entryRaw of noProxy.split(/[\s,]+/)) {
    const entry = entryRaw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let [pattern, entryPort] = [entry, ''];
    const m = /^(.*?)(?::(\d+))?$/.exec(entry.replace(/^\[|\]$/g, ''));
    if (m && !entry.includes('::')) [pattern, entryPort] = [m[1] as string, m[2] ?? ''];
    if (entryPort && entryPort !== port) continue;
    pattern = pattern.replace(/^\*?\./, '.');
    if (host === pattern.replace(/^\./, '') || (pattern.startsWith('.') && host.endsWith(pattern)))
      return true;
    if (!pattern.startsWith('.') && host.endsWith(`.${pattern}`)) return true;
  }
  return false;
}

/** The proxy URL to use for `url` according to HTTPS_PROXY / HTTP_PROXY / NO_PROXY, if any. */
export function proxyFor(url: string, env: NodeJS.ProcessEnv): string | undefined {
  const u = new URL(url);
  const https = u.protocol === 'https:';
  const proxy = https
    ? (envValue(env, 'HTTPS_PROXY') ?? envValue(env, 'HTTP_PROXY'))
    : envValue(env, 'HTTP_PROXY');
  if (!proxy) return undefined;
  const port = u.port || (https ? '443' : '80');
  if (bypassesProxy(u.hostname, port, envValue(env, 'NO_PROXY'))) return undefined;
  return proxy;
}
