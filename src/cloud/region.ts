/** The one rule for which region a command works in when it is not told. */

/** Region variables, most specific first (the guide's name, then the Alibaba Cloud SDK's). */
export const REGION_ENV_VARS = [
  'ALICLOUD_REGION',
  'ALIBABA_CLOUD_REGION_ID',
  'ALIBABA_CLOUD_REGION',
] as const;
export const FALLBACK_REGION = 'cn-hangzhou';

export interface RegionChoice {
  region: string;
  /** `--region`, `config`, `env:ALICLOUD_REGION`, or `default`. */
  source: string;
}

/** `--region`, else the configuration's region, else the first region variable set, else cn-hangzhou. */
export function resolveRegion(opts: {
  flag?: string | undefined;
  configured?: string | undefined;
  env: NodeJS.ProcessEnv;
}): RegionChoice {
  if (opts.flag) return { region: opts.flag, source: '--region' };
  if (opts.configured) return { region: opts.configured, source: 'config' };
  for (const name of REGION_ENV_VARS) {
    const value = opts.env[name]?.trim();
    if (value) return { region: value, source: `env:${name}` };
  }
  return { region: FALLBACK_REGION, source: 'default' };
}
