import { createSdkClient } from './clients.ts';
import type { Clock } from './clock.ts';
import type { AssumeRoleRequest, TemporaryCredentials } from './credentials.ts';
import { parseEndpoint } from './endpoints.ts';
import { CloudError, prop } from './errors.ts';
import { type RetryPolicy, withRetry } from './retry.ts';

export interface StsOptions {
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  retry?: Partial<RetryPolicy>;
}

/**
 * Exchanges a base identity (AssumeRole) or an OIDC token (AssumeRoleWithOIDC, anonymous) for
 * temporary credentials through the STS SDK. The endpoint is the request's `stsEndpoint`, then
 * `SINDRI_ENDPOINT_STS` / `SINDRI_ENDPOINT`, then the SDK's default for the region.
 */
export async function stsAssumeRole(
  req: AssumeRoleRequest,
  opts: StsOptions = {},
): Promise<TemporaryCredentials> {
  const env = opts.env ?? process.env;
  const override = req.stsEndpoint ?? env.SINDRI_ENDPOINT_STS ?? env.SINDRI_ENDPOINT;
  const endpoint = override ? { ...parseEndpoint(override, 'STS endpoint'), source: 'override' } : undefined;
  const region = req.region ?? env.ALIBABA_CLOUD_REGION ?? env.ALICLOUD_REGION ?? 'cn-hangzhou';
  const { installProxySupport } = await import('./transport.ts');
  installProxySupport(env);
  const action = req.kind === 'oidc' ? 'AssumeRoleWithOIDC' : 'AssumeRole';
  const { sdkSourceFor } = await import('./sdk.ts');
  const { sdk, client } = await createSdkClient(
    'sts',
    { credentials: req.kind === 'ram-role-arn' ? req.base : undefined, region, endpoint },
    sdkSourceFor('sts', action, env),
  );
  const Model = sdk.exports[`${action}Request`] as new (m: object) => unknown;
  const fields =
    req.kind === 'oidc'
      ? {
          roleArn: req.roleArn,
          OIDCProviderArn: req.oidcProviderArn,
          OIDCToken: req.oidcToken,
          roleSessionName: req.sessionName,
          durationSeconds: req.durationSeconds,
          policy: req.policy,
        }
      : {
          roleArn: req.roleArn,
          roleSessionName: req.sessionName,
          durationSeconds: req.durationSeconds,
          policy: req.policy,
          externalId: req.externalId,
        };
  const method = `${action.charAt(0).toLowerCase()}${action.slice(1)}WithOptions`;
  const secrets = req.kind === 'oidc' ? [req.oidcToken] : [req.base.accessKeySecret, req.base.securityToken];
  const res = await withRetry(
    () =>
      (client[method] as (r: unknown, rt: object) => Promise<{ body?: unknown }>).call(
        client,
        new Model(fields),
        {},
      ),
    { clock: opts.clock, policy: opts.retry, idempotency: 'read', product: 'sts', action, secrets },
  );
  const c = prop(res.body, 'credentials');
  const accessKeyId = prop(c, 'accessKeyId');
  const accessKeySecret = prop(c, 'accessKeySecret');
  const securityToken = prop(c, 'securityToken');
  if (
    typeof accessKeyId !== 'string' ||
    typeof accessKeySecret !== 'string' ||
    typeof securityToken !== 'string'
  ) {
    throw new CloudError({
      code: 'InvalidResponse',
      message: `STS ${action} returned no credentials.`,
      product: 'sts',
      action,
    });
  }
  const expiration = prop(c, 'expiration');
  return {
    accessKeyId,
    accessKeySecret,
    securityToken,
    expiration: typeof expiration === 'string' ? new Date(expiration) : undefined,
  };
}
