import { randomUUID } from 'node:crypto';
import type * as EcsSdk from '@alicloud/ecs20140526';
import type * as RamSdk from '@alicloud/ram20150501';
import type * as StsSdk from '@alicloud/sts20150401';
import type * as VpcSdk from '@alicloud/vpc20160428';
import { UsageError } from '../errors.ts';
import { abortReason, type Clock, realClock } from './clock.ts';
import type { ResolvedCredentials } from './credentials.ts';
import {
  type Endpoint,
  type EndpointOverrides,
  endpointUrl,
  type Product,
  resolveEndpointOverrides,
} from './endpoints.ts';
import { CloudError, toCloudError } from './errors.ts';
import { credentialSecrets, redact } from './redact.ts';
import { type Idempotency, type RetryEvent, type RetryPolicy, retryPolicy, withRetry } from './retry.ts';
import type { LoadedSdk, SdkSource } from './sdk.ts';

/** The SDK client class of each product (types only; the SDKs are imported on first use). */
export interface SdkClients {
  ecs: EcsSdk.default;
  vpc: VpcSdk.default;
  ram: RamSdk.default;
  sts: StsSdk.default;
}

type MethodName<A extends string> = `${Uncapitalize<A>}WithOptions`;

/** Every API action of a product, e.g. `'DescribeImages'` for `'ecs'`. */
export type ActionOf<P extends Product> = {
  [K in keyof SdkClients[P]]: K extends `${infer N}WithOptions` ? Capitalize<N> : never;
}[keyof SdkClients[P]] &
  string;

type MethodOf<P extends Product, A extends string> = SdkClients[P][MethodName<A> & keyof SdkClients[P]];

/** The data fields of an SDK model (methods and the models' `[key: string]: any` removed), all optional. */
type Fields<T> = {
  [K in keyof T as string extends K
    ? never
    : number extends K
      ? never
      : T[K] extends (...args: never[]) => unknown
        ? never
        : K]?: T[K];
};

/** The request of an action: the SDK request model's fields, camelCase (`regionId`, `imageName`). */
export type RequestOf<P extends Product, A extends string> =
  MethodOf<P, A> extends (...args: infer Args) => unknown
    ? Args extends [infer R, unknown]
      ? Fields<R>
      : // Actions without parameters (STS GetCallerIdentity) take only runtime options.
        Record<string, never>
    : never;

/** The response body of an action: the SDK's response body model. */
export type ResponseOf<P extends Product, A extends string> =
  MethodOf<P, A> extends (...args: infer _) => Promise<infer R>
    ? NonNullable<R extends { body?: infer B } ? B : never>
    : never;

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
  credentials: ResolvedCredentials;
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

const READ_PREFIXES = ['Describe', 'List', 'Get', 'Query', 'Check'];

export function isReadAction(action: string): boolean {
  return READ_PREFIXES.some((p) => action.startsWith(p));
}

/**
 * Mutations without a ClientToken that are safe to send again after a lost response: they set a state
 * (attributes, share list, tags, resource group) rather than create something, or they delete, where
 * every caller takes "not found" as done.
 */
const REPEATABLE_ACTIONS = new Set([
  'ModifyImageAttribute',
  'ModifyImageSharePermission',
  'AddTags',
  'RemoveTags',
  'TagResources',
  'UntagResources',
  'JoinResourceGroup',
  'DeleteImage',
  'DeleteSnapshot',
  // Under a name unique to the run: a repeat answers KeyPair.AlreadyExist, which the caller takes as done.
  'ImportKeyPair',
]);

/** How safe an action is to repeat when it may have reached the server. */
export function idempotencyOf(action: string, takesToken: boolean): Idempotency {
  if (takesToken) return 'token';
  return isReadAction(action) || REPEATABLE_ACTIONS.has(action) ? 'read' : 'mutation';
}

// ---------------------------------------------------------------------------------------------
// Lazy SDK loading (sdk.ts: from dist/sdk.cjs for the actions sindri calls, else the SDK packages)

interface RequestModel {
  new (map?: Record<string, unknown>): unknown;
  names(): Record<string, string>;
}

interface SdkConfigInput {
  credentials?: Pick<ResolvedCredentials, 'accessKeyId' | 'accessKeySecret' | 'securityToken'>;
  region: string;
  endpoint?: Endpoint;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  signatureAlgorithm?: string;
}

/**
 * Builds one SDK client. `credentials` may be omitted for anonymous calls (AssumeRoleWithOIDC). `source`:
 * where the SDK comes from (sdk.ts), by default where the product's client as such is served from.
 */
export async function createSdkClient(product: Product, input: SdkConfigInput, source?: SdkSource) {
  const { loadSdk, sdkSourceFor } = await import('./sdk.ts');
  const sdk = await loadSdk(product, source ?? sdkSourceFor(product, undefined));
  const config = new sdk.Config({
    accessKeyId: input.credentials?.accessKeyId,
    accessKeySecret: input.credentials?.accessKeySecret,
    securityToken: input.credentials?.securityToken,
    regionId: input.region,
    endpoint: input.endpoint?.host,
    protocol: input.endpoint?.protocol ?? 'https',
    // The SDK defaults are 3 s and connectTimeout doubles as the socket idle timeout.
    connectTimeout: input.connectTimeoutMs ?? 10_000,
    readTimeout: input.readTimeoutMs ?? 60_000,
    userAgent: 'sindri',
    signatureAlgorithm: input.signatureAlgorithm,
  });
  const client = new sdk.Client(config);
  const host = String((client as { _endpoint?: unknown })._endpoint ?? '');
  return { sdk, client, host };
}

function requestModel(sdk: Pick<LoadedSdk, 'exports'>, action: string): RequestModel | undefined {
  const m = sdk.exports[`${action}Request`];
  return typeof m === 'function' && typeof (m as RequestModel).names === 'function'
    ? (m as RequestModel)
    : undefined;
}

function methodName(action: string): string {
  return `${action.charAt(0).toLowerCase()}${action.slice(1)}WithOptions`;
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
  const secrets = credentialSecrets(opts.credentials);
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
          credentials: opts.credentials,
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
    credentialsSource: opts.credentials.source,

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
      const result = await withRetry(
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
