/**
 * Proxy support for the SDK's HTTP layer.
 *
 * The official SDKs accept `httpProxy`/`httpsProxy`/`noProxy` in their Config, but the HTTP
 * layer underneath (`@darabonba/typescript` → `httpx`) ignores them and always uses its own
 * keep-alive agents, so HTTPS_PROXY never takes effect. We wrap `httpx.request` (the module
 * instance the SDK uses) to hand it an agent with Node's built-in proxy support (`proxyEnv`,
 * Node >= 24.5) when HTTPS_PROXY / HTTP_PROXY apply to the URL and NO_PROXY does not exempt it.
 * Requests that need no proxy are left untouched. Installed lazily, once, only when a proxy is
 * configured.
 */
import http from 'node:http';
import https from 'node:https';
import { createRequire } from 'node:module';
import { proxyFor } from './endpoints.ts';

type HttpxRequest = (url: unknown, opts?: Record<string, unknown>) => Promise<unknown>;

interface HookState {
  env: NodeJS.ProcessEnv;
  agents: Map<string, http.Agent>;
  /** Proxied requests so far (for tests and `--debug`). */
  proxied: number;
}

let state: HookState | undefined;

function agentFor(url: string, s: HookState): http.Agent | undefined {
  const proxy = proxyFor(url, s.env);
  if (!proxy) return undefined;
  const secure = url.startsWith('https:');
  const key = `${secure ? 'https' : 'http'}|${proxy}`;
  let agent = s.agents.get(key);
  if (!agent) {
    const options = {
      keepAlive: true,
      proxyEnv: secure ? { HTTPS_PROXY: proxy } : { HTTP_PROXY: proxy },
    } as http.AgentOptions;
    agent = secure ? new https.Agent(options) : new http.Agent(options);
    s.agents.set(key, agent);
  }
  return agent;
}

function requestUrl(url: unknown): string {
  if (typeof url === 'string') return url;
  const u = url as { href?: string; protocol?: string; host?: string; path?: string };
  return u.href ?? `${u.protocol}//${u.host}${u.path ?? '/'}`;
}

/** Whether any proxy variable is set at all. */
export function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy'].some((k) => env[k]?.trim());
}

/**
 * Makes the SDK's HTTP layer honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY from `env`. Idempotent;
 * a later call replaces the environment consulted. Returns false when no proxy is configured.
 */
export function installProxySupport(env: NodeJS.ProcessEnv): boolean {
  if (!proxyConfigured(env)) {
    if (state) state.env = env;
    return false;
  }
  if (state) {
    state.env = env;
    return true;
  }
  const require = createRequire(import.meta.url);
  const httpx = createRequire(require.resolve('@darabonba/typescript'))('httpx') as { request: HttpxRequest };
  const original = httpx.request;
  const s: HookState = { env, agents: new Map(), proxied: 0 };
  httpx.request = function proxiedRequest(this: unknown, url: unknown, opts: Record<string, unknown> = {}) {
    if (!opts.agent) {
      const agent = agentFor(requestUrl(url), s);
      if (agent) {
        s.proxied++;
        return original.call(this, url, { ...opts, agent });
      }
    }
    return original.call(this, url, opts);
  };
  state = s;
  return true;
}

/** Requests sent through a proxy so far. */
export function proxiedRequestCount(): number {
  return state?.proxied ?? 0;
}
