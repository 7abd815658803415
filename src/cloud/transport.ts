/**
 * Proxy support for the SDK's HTTP layer.
 *
 * The official SDKs accept `httpProxy`/`httpsProxy`/`noProxy` in their Config, but the HTTP
 * layer underneath (`@darabonba/typescript` → `httpx`) ignores them and always uses its own
 * keep-alive agents, so HTTPS_PROXY never takes effect. We wrap `httpx.request` (the module
 * instance the SDK uses) to hand it an agent with Node's built-in proxy support (`proxyEnv`,
 * Node >= 24.5) when HTTPS_PROXY / HTTP_PROXY apply to the URL and NO_PROXY does not exempt it.
 * Requests that need no proxy are left untouched. Each HTTP layer is wrapped when it is loaded
 * (sdk.ts attaches the bundle's and the packages'), and only once a proxy is configured.
 */
import type * as Http from 'node:http';
import { proxyFor } from './endpoints.ts';

// Taken as CommonJS modules: an ES import of node:http builds its namespace by reading every export,
// and its WebSocket getter loads the whole of undici (about 17 ms on every cloud command).
const http = process.getBuiltinModule('node:http');
const https = process.getBuiltinModule('node:https');

type HttpxRequest = (url: unknown, opts?: Record<string, unknown>) => Promise<unknown>;
export interface HttpLayer {
  request: HttpxRequest;
}

interface HookState {
  env: NodeJS.ProcessEnv;
  agents: Map<string, Http.Agent>;
  /** Proxied requests so far (for tests and `--debug`). */
  proxied: number;
}

let state: HookState | undefined;
/** The HTTP layers loaded so far, and those already wrapped. */
const layers: HttpLayer[] = [];
const wrapped = new WeakSet<HttpLayer>();

function agentFor(url: string, s: HookState): Http.Agent | undefined {
  const proxy = proxyFor(url, s.env);
  if (!proxy) return undefined;
  const secure = url.startsWith('https:');
  const key = `${secure ? 'https' : 'http'}|${proxy}`;
  let agent = s.agents.get(key);
  if (!agent) {
    const options = {
      keepAlive: true,
      proxyEnv: secure ? { HTTPS_PROXY: proxy } : { HTTP_PROXY: proxy },
    } as Http.AgentOptions;
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

function wrap(httpx: HttpLayer, s: HookState): void {
  if (wrapped.has(httpx)) return;
  wrapped.add(httpx);
  const original = httpx.request;
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
}

/** An SDK HTTP layer (httpx) that has been loaded: wrapped now if a proxy is configured, or later. */
export function attachHttpLayer(httpx: HttpLayer): void {
  if (!layers.includes(httpx)) layers.push(httpx);
  if (state) wrap(httpx, state);
}

/**
 * Makes the SDK's HTTP layers honour HTTPS_PROXY / HTTP_PROXY / NO_PROXY from `env`. Idempotent;
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
  const s: HookState = { env, agents: new Map(), proxied: 0 };
  state = s;
  for (const httpx of layers) wrap(httpx, s);
  return true;
}

/** Requests sent through a proxy so far. */
export function proxiedRequestCount(): number {
  return state?.proxied ?? 0;
}
