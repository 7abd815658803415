/**
 * The credential chain: which credentials a command uses, found in the documented order
 * (`CREDENTIAL_SOURCES`), and the environment packer gets for them. The pieces live in
 * credential-env.ts, credential-files.ts, credential-exchange.ts and credential-profiles.ts;
 * renewal before expiry in credential-source.ts.
 */
import { credError, envPair, sessionDuration, sessionName, truthy, val } from './credential-env.ts';
import { ecsRamRole, exchange, readOidcToken } from './credential-exchange.ts';
import {
  aliyunCliConfigPath,
  credentialsFilePath,
  loadCliConfig,
  parseIni,
  readOptional,
} from './credential-files.ts';
import { fromCliProfile, fromIniProfile } from './credential-profiles.ts';
import type { ResolvedCredentials, ResolveOptions } from './credential-types.ts';
import { CloudError } from './errors.ts';

export { DEFAULT_METADATA_URL } from './credential-exchange.ts';
export { aliyunCliConfigPath, credentialsFilePath, parseIni } from './credential-files.ts';
export type {
  AssumeRoleFn,
  AssumeRoleRequest,
  FetchLike,
  ResolvedCredentials,
  ResolveOptions,
  TemporaryCredentials,
} from './credential-types.ts';

/** The sources in the order they are tried (for `doctor` and the docs). */
export const CREDENTIAL_SOURCES = [
  'profile (config credentials_profile, ALIBABA_CLOUD_PROFILE, ALICLOUD_PROFILE)',
  'env ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET (+ ALIBABA_CLOUD_SECURITY_TOKEN)',
  'env ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY (+ ALICLOUD_SECURITY_TOKEN or SECURITY_TOKEN)',
  'env ALIYUN_ACCESS_KEY_ID / ALIYUN_ACCESS_KEY_SECRET',
  'aliyun CLI ~/.aliyun/config.json (current profile)',
  '~/.alibabacloud/credentials [default]',
  'OIDC (ALIBABA_CLOUD_ROLE_ARN, ALIBABA_CLOUD_OIDC_PROVIDER_ARN, ALIBABA_CLOUD_OIDC_TOKEN_FILE)',
  'ECS instance RAM role (metadata service)',
] as const;

/**
 * Finds credentials in the documented order. The first source that is configured wins; a
 * source that is configured but broken is an error rather than a silent fall-through.
 * Error messages name variables, files and profiles, never values.
 */
export async function resolveCredentials(opts: ResolveOptions): Promise<ResolvedCredentials> {
  const { env, home } = opts;
  const cliPath = aliyunCliConfigPath(home);
  const iniPath = credentialsFilePath(env, home);
  const cliDisabled = truthy(env.ALIBABA_CLOUD_CLI_PROFILE_DISABLED);

  // 1. An explicitly chosen profile.
  const explicit = opts.profile ?? val(env, 'ALIBABA_CLOUD_PROFILE') ?? val(env, 'ALICLOUD_PROFILE');
  if (explicit) {
    const conf = cliDisabled ? undefined : await loadCliConfig(cliPath);
    if (conf?.profiles.some((p) => p.name === explicit)) {
      return fromCliProfile(opts, conf, explicit, `profile:${explicit}@aliyun-cli`);
    }
    const iniText = await readOptional(iniPath);
    const section = iniText === undefined ? undefined : parseIni(iniText)[explicit];
    if (section) return fromIniProfile(opts, section, explicit, `profile:${explicit}@credentials-file`);
    throw credError(
      'ProfileNotFound',
      `Credentials profile "${explicit}" was not found in ${cliPath}${cliDisabled ? ' (disabled)' : ''} or ${iniPath}.`,
    );
  }

  // 2–4. Environment variables, three spellings.
  const fromEnv =
    envPair(env, 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', [
      'ALIBABA_CLOUD_SECURITY_TOKEN',
    ]) ??
    envPair(env, 'ALICLOUD_ACCESS_KEY', 'ALICLOUD_SECRET_KEY', [
      'ALICLOUD_SECURITY_TOKEN',
      'SECURITY_TOKEN',
    ]) ??
    envPair(env, 'ALIYUN_ACCESS_KEY_ID', 'ALIYUN_ACCESS_KEY_SECRET', ['ALIYUN_SECURITY_TOKEN']);
  if (fromEnv) return fromEnv;

  // 5. The aliyun CLI's current profile.
  if (!cliDisabled) {
    const conf = await loadCliConfig(cliPath);
    if (conf && conf.profiles.length > 0) {
      const name = conf.current || 'default';
      if (conf.profiles.some((p) => p.name === name)) {
        return fromCliProfile(opts, conf, name, `aliyun-cli:${name}`);
      }
    }
  }

  // 6. The shared credentials file.
  const iniText = await readOptional(iniPath);
  if (iniText !== undefined) {
    const section = parseIni(iniText).default;
    if (section) return fromIniProfile(opts, section, 'default', 'credentials-file:default');
  }

  // 7. OIDC role assumption (GitHub Actions and other OIDC issuers).
  const roleArn = val(env, 'ALIBABA_CLOUD_ROLE_ARN');
  const providerArn = val(env, 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN');
  const tokenFile = val(env, 'ALIBABA_CLOUD_OIDC_TOKEN_FILE');
  if (roleArn || providerArn || tokenFile) {
    if (!roleArn || !providerArn || !tokenFile) {
      const missing = [
        !roleArn && 'ALIBABA_CLOUD_ROLE_ARN',
        !providerArn && 'ALIBABA_CLOUD_OIDC_PROVIDER_ARN',
        !tokenFile && 'ALIBABA_CLOUD_OIDC_TOKEN_FILE',
      ].filter(Boolean);
      throw credError(
        'CredentialsIncomplete',
        `OIDC role assumption needs ${missing.join(' and ')} as well.`,
      );
    }
    return exchange(
      opts,
      {
        kind: 'oidc',
        roleArn,
        oidcProviderArn: providerArn,
        oidcToken: await readOidcToken(tokenFile),
        sessionName: sessionName(env),
        ...sessionDuration(env),
      },
      'oidc',
    );
  }

  // 8. The ECS instance RAM role. Without a role named, a metadata service that is not there, or that
  // answers without a role (HTTP 404 off ECS, behind some proxies), means no credentials here either.
  let metadataAnswer = '';
  if (!truthy(env.ALIBABA_CLOUD_ECS_METADATA_DISABLED)) {
    const role = val(env, 'ALIBABA_CLOUD_ECS_METADATA');
    try {
      return await ecsRamRole(opts, role, (r) => `ecs-ram-role:${r}`);
    } catch (err) {
      if (!(err instanceof CloudError)) throw err;
      if (err.code === 'MetadataUnreachable') metadataAnswer = ' (not reachable)';
      else if (err.code === 'MetadataError' && role === undefined) metadataAnswer = ` (${err.message})`;
      else throw err;
    }
  } else metadataAnswer = ' (disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED)';

  throw credError(
    'CredentialsNotFound',
    `No Alibaba Cloud credentials found. Tried, in order:\n${CREDENTIAL_SOURCES.map((s, i) => `  ${i + 1}. ${s}${i === CREDENTIAL_SOURCES.length - 1 ? metadataAnswer : ''}`).join('\n')}`,
  );
}

/** Variables that could make packer pick other credentials than the resolved ones. */
const PACKER_CONFLICTING = [
  'ALICLOUD_PROFILE',
  'ALICLOUD_SHARED_CREDENTIALS_FILE',
  'ALICLOUD_ASSUME_ROLE_ARN',
  'ALICLOUD_ASSUME_ROLE_SESSION_NAME',
  'ALICLOUD_ECS_ROLE_NAME',
  'ALICLOUD_SECURITY_TOKEN',
  'SECURITY_TOKEN',
];

/**
 * The environment packer needs for these credentials (packer reads ALICLOUD_ACCESS_KEY,
 * ALICLOUD_SECRET_KEY, ALICLOUD_REGION, SECURITY_TOKEN). Credentials go through the
 * environment only, never into a template or file. With `base`, returns a full environment:
 * `base` minus variables that would make packer choose other credentials, plus ours.
 */
export function packerEnv(
  creds: ResolvedCredentials,
  region: string,
  base?: NodeJS.ProcessEnv,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (base) {
    for (const [k, v] of Object.entries(base))
      if (v !== undefined && !PACKER_CONFLICTING.includes(k)) out[k] = v;
  }
  out.ALICLOUD_ACCESS_KEY = creds.accessKeyId;
  out.ALICLOUD_SECRET_KEY = creds.accessKeySecret;
  out.ALICLOUD_REGION = region;
  if (creds.securityToken) out.SECURITY_TOKEN = creds.securityToken;
  return out;
}
