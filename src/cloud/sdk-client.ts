/**
 * One SDK client of a product, with the SDK loaded lazily (sdk.ts: from dist/sdk.cjs for the actions
 * sindri calls, else the SDK packages).
 */
import type { CredentialSource } from './credential-source.ts';
import type { ResolvedCredentials } from './credentials.ts';
import type { Endpoint, Product } from './endpoints.ts';
import type { LoadedSdk, SdkSource } from './sdk.ts';

export interface RequestModel {
  new (map?: Record<string, unknown>): unknown;
  names(): Record<string, string>;
}

export interface SdkConfigInput {
  /** Fixed keys, or a source asked before every request (so renewed credentials are used at once). */
  credentials?:
    | Pick<ResolvedCredentials, 'accessKeyId' | 'accessKeySecret' | 'securityToken'>
    | CredentialSource;
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
  const creds = input.credentials;
  const keys =
    creds && 'current' in creds
      ? // openapi-core calls `credential.getCredential()` before every request (dist/client.js).
        { credential: sdkCredential(creds) }
      : {
          accessKeyId: creds?.accessKeyId,
          accessKeySecret: creds?.accessKeySecret,
          securityToken: creds?.securityToken,
        };
  const config = new sdk.Config({
    ...keys,
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

/** The `credential` openapi-core signs with: the source's current credentials, in the SDK's model. */
function sdkCredential(source: CredentialSource) {
  const model = async () => {
    const c = await source.current();
    return {
      accessKeyId: c.accessKeyId,
      accessKeySecret: c.accessKeySecret,
      securityToken: c.securityToken,
      type: c.securityToken ? 'sts' : 'access_key',
    };
  };
  return {
    getCredential: model,
    getAccessKeyId: async () => (await model()).accessKeyId,
    getAccessKeySecret: async () => (await model()).accessKeySecret,
    getSecurityToken: async () => (await model()).securityToken,
    getType: () => 'sts',
    getBearerToken: () => undefined,
  };
}

export function requestModel(sdk: Pick<LoadedSdk, 'exports'>, action: string): RequestModel | undefined {
  const m = sdk.exports[`${action}Request`];
  return typeof m === 'function' && typeof (m as RequestModel).names === 'function'
    ? (m as RequestModel)
    : undefined;
}

export function methodName(action: string): string {
  return `${action.charAt(0).toLowerCase()}${action.slice(1)}WithOptions`;
}
