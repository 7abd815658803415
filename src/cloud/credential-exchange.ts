/** Credentials that come from a service: an STS role exchange, or the ECS instance metadata service. */

import { credError, truthy } from './credential-env.ts';
import { readOptional } from './credential-files.ts';
import type {
  AssumeRoleFn,
  AssumeRoleRequest,
  FetchLike,
  ResolvedCredentials,
  ResolveOptions,
  TemporaryCredentials,
} from './credential-types.ts';
import { CloudError } from './errors.ts';
import { redact } from './redact.ts';

export const DEFAULT_METADATA_URL = 'http://100.100.100.200';

function defaultAssumeRole(env: NodeJS.ProcessEnv): AssumeRoleFn {
  return async (req) => {
    const { stsAssumeRole } = await import('./sts.ts');
    return stsAssumeRole(req, { env });
  };
}

export async function exchange(
  opts: ResolveOptions,
  req: AssumeRoleRequest,
  source: string,
): Promise<ResolvedCredentials> {
  const assume = opts.assumeRole ?? defaultAssumeRole(opts.env);
  const withDefaults = {
    ...req,
    region: req.region ?? opts.region,
    stsEndpoint: req.stsEndpoint ?? opts.stsEndpoint,
  };
  const secrets =
    req.kind === 'oidc'
      ? [req.oidcToken]
      : [req.base.accessKeyId, req.base.accessKeySecret, req.base.securityToken];
  let t: TemporaryCredentials;
  try {
    t = await assume(withDefaults);
  } catch (err) {
    if (err instanceof CloudError) {
      throw new CloudError({
        code: err.code,
        message: redact(`Role assumption for ${source} failed: ${err.message}`, secrets),
        requestId: err.requestId,
        product: 'sts',
        action: req.kind === 'oidc' ? 'AssumeRoleWithOIDC' : 'AssumeRole',
        statusCode: err.statusCode,
        attempts: err.attempts,
      });
    }
    throw credError(
      'AssumeRoleFailed',
      redact(`Role assumption for ${source} failed: ${String(err)}`, secrets),
    );
  }
  return { ...t, source };
}

interface MetadataCreds {
  AccessKeyId?: string;
  AccessKeySecret?: string;
  SecurityToken?: string;
  Expiration?: string;
  Code?: string;
}

export async function ecsRamRole(
  opts: ResolveOptions,
  roleName: string | undefined,
  source: (role: string) => string,
) {
  if (truthy(opts.env.ALIBABA_CLOUD_ECS_METADATA_DISABLED)) {
    throw credError(
      'MetadataDisabled',
      'The ECS metadata service is disabled (ALIBABA_CLOUD_ECS_METADATA_DISABLED).',
    );
  }
  const fetchImpl = opts.fetchImpl ?? (globalThis.fetch as unknown as FetchLike);
  const base = (opts.metadataUrl ?? DEFAULT_METADATA_URL).replace(/\/+$/, '');
  const timeout = opts.metadataTimeoutMs ?? 1000;
  const headers: Record<string, string> = {};
  // IMDSv2-style hardened mode: a session token first; fall back to plain requests.
  try {
    const res = await fetchImpl(`${base}/latest/api/token`, {
      method: 'PUT',
      headers: { 'X-aliyun-ecs-metadata-token-ttl-seconds': '21600' },
      signal: AbortSignal.timeout(timeout),
    });
    if (res.ok) headers['X-aliyun-ecs-metadata-token'] = (await res.text()).trim();
  } catch {
    // No token support or not on ECS; the next request decides.
  }
  const get = async (path: string): Promise<string> => {
    let res: Awaited<ReturnType<FetchLike>>;
    try {
      res = await fetchImpl(`${base}${path}`, { headers, signal: AbortSignal.timeout(timeout) });
    } catch {
      throw credError(
        'MetadataUnreachable',
        'The ECS metadata service is not reachable (not running on ECS?).',
      );
    }
    if (!res.ok)
      throw credError('MetadataError', `The ECS metadata service answered HTTP ${res.status} for ${path}.`);
    return (await res.text()).trim();
  };
  const role = roleName ?? (await get('/latest/meta-data/ram/security-credentials/')).split('\n')[0]?.trim();
  if (!role) throw credError('MetadataError', 'No RAM role is attached to this ECS instance.');
  const text = await get(`/latest/meta-data/ram/security-credentials/${encodeURIComponent(role)}`);
  let body: MetadataCreds;
  try {
    body = JSON.parse(text) as MetadataCreds;
  } catch {
    throw credError('MetadataError', 'The ECS metadata service returned unreadable credentials.');
  }
  if ((body.Code && body.Code !== 'Success') || !body.AccessKeyId || !body.AccessKeySecret) {
    throw credError('MetadataError', `The ECS metadata service returned no credentials for role ${role}.`);
  }
  return {
    accessKeyId: body.AccessKeyId,
    accessKeySecret: body.AccessKeySecret,
    securityToken: body.SecurityToken,
    expiration: body.Expiration ? new Date(body.Expiration) : undefined,
    source: source(role),
  } satisfies ResolvedCredentials;
}

export async function readOidcToken(path: string): Promise<string> {
  const token = (await readOptional(path))?.trim();
  if (!token) throw credError('OidcTokenMissing', `The OIDC token file ${path} is missing or empty.`);
  return token;
}
