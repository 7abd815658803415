/** Named profiles: of the aliyun CLI (`mode`) and of the credentials file (`type`). */
import { credError, sessionName } from './credential-env.ts';
import { ecsRamRole, exchange, readOidcToken } from './credential-exchange.ts';
import type { CliConfig, CliProfile } from './credential-files.ts';
import type { ResolvedCredentials, ResolveOptions } from './credential-types.ts';

export async function fromCliProfile(
  opts: ResolveOptions,
  conf: CliConfig,
  name: string,
  label: string,
  depth = 0,
): Promise<ResolvedCredentials> {
  const p = conf.profiles.find((x) => x.name === name);
  if (!p) throw credError('ProfileNotFound', `Profile "${name}" not found in the aliyun CLI configuration.`);
  const mode = p.mode ?? 'AK';
  const source = `${label} (${mode})`;
  const need = (field: keyof CliProfile): string => {
    const v = p[field];
    if (typeof v !== 'string' || !v) {
      throw credError('ProfileIncomplete', `Profile "${name}" (mode ${mode}) has no ${field}.`);
    }
    return v;
  };
  switch (mode) {
    case 'AK':
      return { accessKeyId: need('access_key_id'), accessKeySecret: need('access_key_secret'), source };
    case 'StsToken':
      return {
        accessKeyId: need('access_key_id'),
        accessKeySecret: need('access_key_secret'),
        securityToken: need('sts_token'),
        source,
      };
    case 'RamRoleArn':
      return exchange(
        opts,
        {
          kind: 'ram-role-arn',
          base: { accessKeyId: need('access_key_id'), accessKeySecret: need('access_key_secret') },
          roleArn: need('ram_role_arn'),
          sessionName: p.ram_session_name || sessionName(opts.env),
          durationSeconds: p.expired_seconds || undefined,
          region: p.sts_region || undefined,
        },
        source,
      );
    case 'ChainableRamRoleArn': {
      if (depth > 5)
        throw credError('ProfileInvalid', `Profile "${name}": source_profile chain is too deep.`);
      const base = await fromCliProfile(opts, conf, need('source_profile'), label, depth + 1);
      return exchange(
        opts,
        {
          kind: 'ram-role-arn',
          base,
          roleArn: need('ram_role_arn'),
          sessionName: p.ram_session_name || sessionName(opts.env),
          durationSeconds: p.expired_seconds || undefined,
          region: p.sts_region || undefined,
        },
        source,
      );
    }
    case 'EcsRamRole':
      return ecsRamRole(opts, p.ram_role_name || undefined, () => source);
    case 'OIDC':
      return exchange(
        opts,
        {
          kind: 'oidc',
          roleArn: need('ram_role_arn'),
          oidcProviderArn: need('oidc_provider_arn'),
          oidcToken: await readOidcToken(need('oidc_token_file')),
          sessionName: p.ram_session_name || sessionName(opts.env),
          region: p.sts_region || undefined,
        },
        source,
      );
    default:
      throw credError(
        'ProfileModeUnsupported',
        `Profile "${name}" uses mode ${mode}; supported: AK, StsToken, RamRoleArn, ChainableRamRoleArn, EcsRamRole, OIDC.`,
      );
  }
}

export async function fromIniProfile(
  opts: ResolveOptions,
  section: Record<string, string>,
  name: string,
  label: string,
): Promise<ResolvedCredentials> {
  const type = section.type ?? (section.access_key_id ? 'access_key' : undefined);
  const source = `${label} (${type ?? 'unknown'})`;
  const need = (field: string): string => {
    const v = section[field];
    if (!v) throw credError('ProfileIncomplete', `Profile "${name}" (type ${type}) has no ${field}.`);
    return v;
  };
  switch (type) {
    case 'access_key':
      return { accessKeyId: need('access_key_id'), accessKeySecret: need('access_key_secret'), source };
    case 'sts':
      return {
        accessKeyId: need('access_key_id'),
        accessKeySecret: need('access_key_secret'),
        securityToken: need('security_token'),
        source,
      };
    case 'ram_role_arn':
      return exchange(
        opts,
        {
          kind: 'ram-role-arn',
          base: { accessKeyId: need('access_key_id'), accessKeySecret: need('access_key_secret') },
          roleArn: need('role_arn'),
          sessionName: section.role_session_name || sessionName(opts.env),
          policy: section.policy || undefined,
        },
        source,
      );
    case 'ecs_ram_role':
      return ecsRamRole(opts, section.role_name || undefined, () => source);
    default:
      throw credError(
        'ProfileModeUnsupported',
        `Profile "${name}" has type ${type ?? '(none)'}; supported: access_key, sts, ram_role_arn, ecs_ram_role.`,
      );
  }
}
