import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CloudError } from './errors.ts';
import { redact } from './redact.ts';

export interface ResolvedCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
  /**
   * Which source won, for `doctor`: `profile:NAME@aliyun-cli (AK)`, `profile:NAME@credentials-file (access_key)`, `env:ALIBABA_CLOUD_ACCESS_KEY_ID`,
   * `env:ALICLOUD_ACCESS_KEY`, `env:ALIYUN_ACCESS_KEY_ID`, `aliyun-cli:NAME (MODE)`,
   * `credentials-file:NAME (TYPE)`, `oidc`, `ecs-ram-role:ROLE`.
   */
  source: string;
  expiration?: Date;
}

/** A role exchange through STS (AssumeRole or AssumeRoleWithOIDC). */
export type AssumeRoleRequest =
  | {
      kind: 'ram-role-arn';
      base: { accessKeyId: string; accessKeySecret: string; securityToken?: string };
      roleArn: string;
      sessionName: string;
      durationSeconds?: number;
      policy?: string;
      externalId?: string;
      region?: string;
      stsEndpoint?: string;
    }
  | {
      kind: 'oidc';
      roleArn: string;
      oidcProviderArn: string;
      oidcToken: string;
      sessionName: string;
      durationSeconds?: number;
      policy?: string;
      region?: string;
      stsEndpoint?: string;
    };

export interface TemporaryCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken: string;
  expiration?: Date;
}

export type AssumeRoleFn = (req: AssumeRoleRequest) => Promise<TemporaryCredentials>;

export type FetchLike = (
  url: string,
  init?: { method?: string; headers?: Record<string, string>; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface ResolveOptions {
  env: NodeJS.ProcessEnv;
  home: string;
  /** Credentials profile from config (`providers.packer.alibaba.credentials_profile`). */
  profile?: string;
  /** Used for the ECS metadata service. */
  fetchImpl?: FetchLike;
  /** Base URL of the ECS metadata service (default http://100.100.100.200). */
  metadataUrl?: string;
  metadataTimeoutMs?: number;
  /** STS exchange; defaults to the STS SDK (imported only when a role must be assumed). */
  assumeRole?: AssumeRoleFn;
  /** STS endpoint override (full URL, `http://` allowed), passed to the exchange. */
  stsEndpoint?: string;
  region?: string;
}

export const DEFAULT_METADATA_URL = 'http://100.100.100.200';

function credError(code: string, message: string): CloudError {
  return new CloudError({ code, message });
}

function truthy(v: string | undefined): boolean {
  return v !== undefined && ['1', 'true', 'yes'].includes(v.trim().toLowerCase());
}

function val(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function sessionName(env: NodeJS.ProcessEnv): string {
  return val(env, 'ALIBABA_CLOUD_ROLE_SESSION_NAME') ?? `sindri-${Date.now()}`;
}

/**
 * ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION: how long an assumed role's session lasts, in seconds (STS
 * allows 900 up to the role's MaxSessionDuration, at most 43200). Unset: STS's default, one hour,
 * which a longer build or distribution outlives.
 */
function sessionDuration(env: NodeJS.ProcessEnv): { durationSeconds?: number } {
  const raw = val(env, 'ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION');
  if (raw === undefined) return {};
  const seconds = Number(raw);
  if (!Number.isInteger(seconds) || seconds < 900 || seconds > 43_200)
    throw credError(
      'InvalidSessionDuration',
      `ALIBABA_CLOUD_ROLE_SESSION_EXPIRATION must be a whole number of seconds from 900 to 43200, got "${raw}".`,
    );
  return { durationSeconds: seconds };
}

/** A pair of environment variables: both or neither. */
function envPair(
  env: NodeJS.ProcessEnv,
  idVar: string,
  secretVar: string,
  tokenVars: string[],
): ResolvedCredentials | undefined {
  const id = val(env, idVar);
  const secret = val(env, secretVar);
  if (!id && !secret) return undefined;
  if (!id || !secret) {
    const missing = id ? secretVar : idVar;
    const present = id ? idVar : secretVar;
    throw credError('CredentialsIncomplete', `${present} is set but ${missing} is not; set both or neither.`);
  }
  const token = tokenVars.map((t) => val(env, t)).find(Boolean);
  return { accessKeyId: id, accessKeySecret: secret, securityToken: token, source: `env:${idVar}` };
}

// ---------------------------------------------------------------------------------------------
// Files

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === 'ENOENT' ||
      (err as NodeJS.ErrnoException).code === 'ENOTDIR'
    ) {
      return undefined;
    }
    throw credError(
      'CredentialsFileUnreadable',
      `Cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`,
    );
  }
}

interface CliProfile {
  name?: string;
  mode?: string;
  access_key_id?: string;
  access_key_secret?: string;
  sts_token?: string;
  ram_role_arn?: string;
  ram_session_name?: string;
  ram_role_name?: string;
  expired_seconds?: number;
  source_profile?: string;
  oidc_provider_arn?: string;
  oidc_token_file?: string;
  sts_region?: string;
  region_id?: string;
}

interface CliConfig {
  current?: string;
  profiles: CliProfile[];
}

export function aliyunCliConfigPath(home: string): string {
  return join(home, '.aliyun', 'config.json');
}

export function credentialsFilePath(env: NodeJS.ProcessEnv, home: string): string {
  return val(env, 'ALIBABA_CLOUD_CREDENTIALS_FILE') ?? join(home, '.alibabacloud', 'credentials');
}

async function loadCliConfig(path: string): Promise<CliConfig | undefined> {
  const text = await readOptional(path);
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never echo the content: it holds secrets.
    throw credError('CredentialsFileInvalid', `${path} is not valid JSON.`);
  }
  const profiles = (parsed as { profiles?: unknown }).profiles;
  if (!Array.isArray(profiles)) throw credError('CredentialsFileInvalid', `${path} has no "profiles" list.`);
  return { current: (parsed as { current?: string }).current, profiles: profiles as CliProfile[] };
}

/** A small INI reader for ~/.alibabacloud/credentials (sections, `key = value`, `#`/`;` comments). */
export function parseIni(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let section: Record<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      const name = (header[1] as string).trim();
      out[name] ??= {};
      section = out[name];
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0 || !section) continue;
    let value = line.slice(eq + 1).trim();
    if (/^(["']).*\1$/.test(value)) value = value.slice(1, -1);
    section[line.slice(0, eq).trim()] = value;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Role exchanges and the metadata service

function defaultAssumeRole(env: NodeJS.ProcessEnv): AssumeRoleFn {
  return async (req) => {
    const { stsAssumeRole } = await import('./sts.ts');
    return stsAssumeRole(req, { env });
  };
}

async function exchange(
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

async function ecsRamRole(
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

async function readOidcToken(path: string): Promise<string> {
  const token = (await readOptional(path))?.trim();
  if (!token) throw credError('OidcTokenMissing', `The OIDC token file ${path} is missing or empty.`);
  return token;
}

// ---------------------------------------------------------------------------------------------
// Profiles

async function fromCliProfile(
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

async function fromIniProfile(
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

// ---------------------------------------------------------------------------------------------

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
