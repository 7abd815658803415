/**
 * What the day-2 commands (list, delete, deploy) share: the optional sindri.yaml, the default
 * region, credentials, and one client set per region.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { CloudClients, ResolvedCredentials } from '../cloud/index.ts';
import { DEFAULT_CONFIG_FILE, type LoadedConfig, loadConfig, REGION_ENV_VARS } from '../config/load.ts';
import type { AlibabaConfig } from '../config/types.ts';

export const FALLBACK_REGION = 'cn-hangzhou';

export interface ContextOptions {
  /** `--config`; when omitted, `./sindri.yaml` is used if it exists (the file is optional here). */
  configPath?: string | undefined;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Redacted client debug lines (`--debug`). */
  debug?: ((line: string) => void) | undefined;
}

export interface CloudContext {
  /** The loaded sindri.yaml, when there is one. */
  loaded: LoadedConfig | undefined;
  alibaba: AlibabaConfig | undefined;
  /** Config region, else ALICLOUD_REGION / ALIBABA_CLOUD_REGION_ID / ALIBABA_CLOUD_REGION, else cn-hangzhou. */
  defaultRegion: string;
  /** The user's tags from the config (`providers.packer.tags`). */
  userTags: Record<string, string>;
  credentials(): Promise<ResolvedCredentials>;
  /** One client set per region, created on first use. */
  clients(region: string): Promise<CloudClients>;
  /** Every region the account can use (`DescribeRegions`), in the API's order. */
  allRegions(): Promise<string[]>;
}

/** The region to use when no flag names one. */
export function defaultRegion(alibaba: AlibabaConfig | undefined, env: NodeJS.ProcessEnv): string {
  if (alibaba?.region) return alibaba.region;
  for (const name of REGION_ENV_VARS) {
    const v = env[name]?.trim();
    if (v) return v;
  }
  return FALLBACK_REGION;
}

/** Loads the optional config: `--config` must exist; `./sindri.yaml` is used only when present. */
export async function loadOptionalConfig(
  configPath: string | undefined,
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<LoadedConfig | undefined> {
  if (configPath === undefined && !existsSync(resolve(cwd, DEFAULT_CONFIG_FILE))) return undefined;
  return loadConfig({ configPath, cwd, env });
}

export async function openCloud(opts: ContextOptions = {}): Promise<CloudContext> {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const loaded = await loadOptionalConfig(opts.configPath, cwd, env);
  const alibaba = loaded?.config.providers.packer.alibaba;
  const region = defaultRegion(alibaba, env);
  const cloud = await import('../cloud/index.ts');
  let creds: Promise<ResolvedCredentials> | undefined;
  const credentials = () => {
    creds ??= cloud.resolveCredentials({
      env,
      home: env.HOME ?? homedir(),
      region,
      ...(alibaba?.credentials_profile ? { profile: alibaba.credentials_profile } : {}),
    });
    return creds;
  };
  const byRegion = new Map<string, Promise<CloudClients>>();
  const clients = (r: string) => {
    let c = byRegion.get(r);
    if (!c) {
      c = credentials().then((credentials) =>
        cloud.createClients({
          credentials,
          region: r,
          env,
          ...(alibaba?.endpoints ? { endpoints: alibaba.endpoints } : {}),
          ...(opts.debug ? { debug: opts.debug } : {}),
        }),
      );
      byRegion.set(r, c);
    }
    return c;
  };
  let regions: Promise<string[]> | undefined;
  const allRegions = () => {
    regions ??= clients(region)
      .then((c) => c.call('ecs', 'DescribeRegions', {}))
      .then((body) =>
        (body.regions?.region ?? [])
          .map((r) => r.regionId)
          .filter((id): id is string => typeof id === 'string' && id.length > 0),
      );
    return regions;
  };
  return {
    loaded,
    alibaba,
    defaultRegion: region,
    userTags: loaded?.config.providers.packer.tags ?? {},
    credentials,
    clients,
    allRegions,
  };
}
