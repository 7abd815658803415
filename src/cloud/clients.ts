import { randomUUID } from 'node:crypto';
import { UsageError } from '../errors.ts';
import type { ActionOf, RequestOf, ResponseOf } from './client-types.ts';
import { abortReason, type Clock, realClock } from './clock.ts';
import { type CredentialSource, credentialSource, isCredentialSource } from './credential-source.ts';
import type { ResolvedCredentials } from './credentials.ts';
import {
  type Endpoint,
  type EndpointOverrides,
  endpointUrl,
  type Product,
  resolveEndpointOverrides,
} from './endpoints.ts';
import { CloudError, toCloudError } from './errors.ts';
import { redact } from './redact.ts';
import { checkOutcome, isReadAction, resendRule } from './resend.ts';
import { type Idempotency, type RetryEvent, type RetryPolicy, retryPolicy, withRetry } from './retry.ts';
import { createSdkClient, methodName, requestModel } from './sdk-client.ts';

export type { ActionOf, RequestOf, ResponseOf, SdkClients } from './client-types.ts';
export { isReadAction } from './resend.ts';
export { createSdkClient } from './sdk-client.ts';

export interface CallOptions {
  /** ClientToken for create-like actions; pass a stored one to resume a workflow. */
  clientToken?: string;
  signal?: AbortSignal;
  retry?: Partial<RetryPolicy>;
}

export interface CallRetryEvent extends RetryEvent {
  product: Product;
  action: string;
}

export interface CreateClientsOptions {
  /** Fixed credentials, or a source that renews temporary ones before they expire (one per session). */
  credentials: ResolvedCredentials | CredentialSource;
  region: string;
  /** Config `providers.packer.alibaba.endpoints` (full URLs, `http://` allowed). */
  endpoints?: EndpointOverrides;
  /** Environment for SINDRI_ENDPOINT* and proxies (default process.env). */
  env?: NodeJS.ProcessEnv;
  retry?: Partial<RetryPolicy>;
  clock?: Clock;
  rng?: () => number;
  onRetry?: (event: CallRetryEvent) => void;
  /** One line per attempt outcome, already redacted; for `--debug`. */
  debug?: (line: string) => void;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  /** `ACS3-HMAC-SHA256` (default) or `v2` for HMAC-SHA1 (signature v1, as packer signs). */
  signatureAlgorithm?: 'ACS3-HMAC-SHA256' | 'v2';
}

export interface CloudClients {
  readonly region: string;
  readonly credentialsSource: string;
  /**
   * Calls one API action through the retry policy. Create-like actions (those whose request
   * has a ClientToken) get a token generated once per call and reused on every retry.
   */
  call<P extends Product, A extends ActionOf<P>>(
    product: P,
    action: A,
    request?: RequestOf<P, A>,
    options?: CallOptions,
  ): Promise<ResponseOf<P, A>>;
  /** The endpoint a product is called at (`https://ecs.cn-hangzhou.aliyuncs.com`) and its source. */
  endpoint(product: Product): Promise<Endpoint>;
  /** Whether an action takes a ClientToken (and so is deduplicated by the server). */
  supportsClientToken(product: Product, action: string): Promise<boolean>;
  /** Redacts this session's credentials from a text, for `--debug` output. */
  redact(text: string): string;
}

/** A fresh ClientToken: ASCII, at most 64 characters, unique per logical operation. */
export function newClientToken(): string {
  return `sindri-${randomUUID()}`;
}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      p.catch(() => {});
      reject(abortReason(signal));
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** How safe an action is to repeat when it may have reached the server (src/cloud/resend.ts). */
export function idempotencyOf(action: string, takesToken: boolean): Idempotency {
  if (takesToken) return 'token';
  if (isReadAction(action) || resendRule(action).kind === 'set-state') return 'read';
  return 'mutation';
}

/** `SINDRI_RETRY_ATTEMPTS`: attempts per API call (the first included), for flaky networks. */
export function attemptsFromEnv(env: NodeJS.ProcessEnv): Partial<RetryPolicy> {
  const raw = env.SINDRI_RETRY_ATTEMPTS;
  if (raw === undefined || raw === '') return {};
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 20) {
    throw new UsageError(`SINDRI_RETRY_ATTEMPTS must be a whole number from 1 to 20, got "${raw}".`);
  }
  return { maxAttempts: n };
}

/**
 * The client factory for ECS, VPC, RAM and STS. Cheap to call: each SDK is imported on the
 * first call to its product.
 */
export async function createClients(opts: CreateClientsOptions): Promise<CloudClients> {
  const env = opts.env ?? process.env;
  const overrides = resolveEndpointOverrides(env, opts.endpoints);
  const policy = retryPolicy({ ...attemptsFromEnv(env), ...opts.retry });
  const clock = opts.clock ?? realClock;
  const credentials = isCredentialSource(opts.credentials)
    ? opts.credentials
    : credentialSource({ initial: opts.credentials });
  // Grows as credentials are renewed: every key, secret and token ever used is scrubbed.
  const secrets = credentials.secrets;
  const scrub = (t: string) => redact(t, secrets);
  const loaded = new Map<string, ReturnType<typeof createSdkClient>>();

  // Proxy settings are process-wide in the SDK's HTTP layer: the latest environment wins.
  const { installProxySupport } = await import('./transport.ts');
  installProxySupport(env);
  const { sdkSourceFor } = await import('./sdk.ts');

  /** The client for `product` that serves `action` (the bundle's or the packages'), made once. */
  const get = (product: Product, action?: string) => {
    const source = sdkSourceFor(product, action, env);
    const key = `${product}:${source}`;
    let p = loaded.get(key);
    if (!p) {
      p = createSdkClient(
        product,
        {
          credentials,
          region: opts.region,
          endpoint: overrides[product],
          connectTimeoutMs: opts.connectTimeoutMs,
          readTimeoutMs: opts.readTimeoutMs,
          signatureAlgorithm: opts.signatureAlgorithm,
        },
        source,
      );
      // A failed import must not poison later calls.
      p.catch(() => loaded.delete(key));
      loaded.set(key, p);
    }
    return p;
  };

  const clients: CloudClients = {
    region: opts.region,
    credentialsSource: credentials.source,

    async call(product, action, request, options = {}) {
      const { sdk, client } = await get(product, action);
      const method = client[methodName(action)];
      const Model = requestModel(sdk, action);
      // Actions without parameters have no request model and take only runtime options.
      const noRequest = typeof method === 'function' && method.length === 1;
      if (typeof method !== 'function' || (!Model && !noRequest)) {
        throw new CloudError({
          code: 'UnknownAction',
          message: `${product.toUpperCase()} has no action ${action}.`,
          product,
          action,
        });
      }
      const fields: Record<string, unknown> = { ...(request as Record<string, unknown> | undefined) };
      const takesToken = !!Model && 'clientToken' in Model.names();
      if (takesToken && !fields.clientToken) fields.clientToken = options.clientToken ?? newClientToken();
      const idempotency = idempotencyOf(action, takesToken);
      const rule = resendRule(action);
      // Set once a look-up finds that a call whose outcome was unknown must be sent again: for a
      // delete, "not found" on the resend then means the first send did it.
      let resent = false;
      const result = await withRetry<unknown>(
        async (attempt) => {
          const started = clock.now();
          try {
            const invoke = method as (...args: unknown[]) => Promise<{ body?: unknown }>;
            const pending = Model ? invoke.call(client, new Model(fields), {}) : invoke.call(client, {});
            // The SDK cannot cancel a request in flight; on abort, stop waiting for it.
            const res = await abortable(pending, options.signal);
            opts.debug?.(scrub(`${product} ${action} attempt ${attempt}: ok in ${clock.now() - started} ms`));
            return res.body;
          } catch (err) {
            const e = toCloudError(err, { product, action, secrets });
            if (resent && rule.kind === 'delete' && rule.gone.test(e.code)) {
              opts.debug?.(
                scrub(`${product} ${action} attempt ${attempt}: ${e.code}, done by the first send`),
              );
              return {};
            }
            opts.debug?.(
              scrub(
                `${product} ${action} attempt ${attempt}: ${e.code} ${e.message} (request ${e.requestId ?? '-'})`,
              ),
            );
            throw err;
          }
        },
        {
          policy: { ...policy, ...options.retry },
          clock,
          signal: options.signal,
          idempotency,
          rng: opts.rng,
          product,
          action,
          secrets,
          onRetry: opts.onRetry && ((e) => opts.onRetry?.({ ...e, product, action })),
          onOutcomeUnknown: async (e, attempt) => {
            const check = await checkOutcome(action, fields, clients.call);
            opts.debug?.(
              scrub(
                `${product} ${action} attempt ${attempt}: ${e.code}, outcome unknown: ${typeof check === 'string' ? check : 'it took effect'}`,
              ),
            );
            if (check === 'resend') resent = true;
            return check;
          },
        },
      );
      return result as never;
    },

    async endpoint(product) {
      const o = overrides[product];
      if (o) return o;
      const { host } = await get(product);
      return { host, protocol: 'https', source: 'default' };
    },

    async supportsClientToken(product, action) {
      const { sdk } = await get(product, action);
      const Model = requestModel(sdk, action);
      return !!Model && 'clientToken' in Model.names();
    },

    redact: scrub,
  };
  return clients;
}

export { endpointUrl };
