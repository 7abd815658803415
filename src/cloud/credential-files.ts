/** The credential files: the aliyun CLI's ~/.aliyun/config.json and the INI ~/.alibabacloud/credentials. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { credError, val } from './credential-env.ts';

export async function readOptional(path: string): Promise<string | undefined> {
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

export interface CliProfile {
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

export interface CliConfig {
  current?: string;
  profiles: CliProfile[];
}

export function aliyunCliConfigPath(home: string): string {
  return join(home, '.aliyun', 'config.json');
}

export function credentialsFilePath(env: NodeJS.ProcessEnv, home: string): string {
  return val(env, 'ALIBABA_CLOUD_CREDENTIALS_FILE') ?? join(home, '.alibabacloud', 'credentials');
}

export async function loadCliConfig(path: string): Promise<CliConfig | undefined> {
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
