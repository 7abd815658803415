/** Builds the doctor's shared context: each cloud lookup runs once however many checks need it. */
import { REGION_ENV_VARS } from '../config/load.ts';
import type { SindriConfig } from '../config/types.ts';
import { findPacker, type PackerBinary } from '../packer/binary.ts';
import { requiredActions } from './actions.ts';
import type { CallerIdentity, CloudSession, DoctorContext, VSwitchInfo } from './types.ts';

export interface ContextOptions {
  env: NodeJS.ProcessEnv;
  home: string;
  config?: SindriConfig;
  configFile?: string;
  /** `--region` when there is no configuration file. */
  region?: string;
  force?: boolean;
  /** Per-call timeouts of the cloud clients. */
  readTimeoutMs?: number;
}

function once<T>(fn: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= fn();
    return p;
  };
}

export function regionFor(opts: Pick<ContextOptions, 'config' | 'region' | 'env'>): {
  region: string;
  source: string;
} {
  if (opts.config) return { region: opts.config.providers.packer.alibaba.region, source: 'config' };
  if (opts.region) return { region: opts.region, source: '--region' };
  for (const name of REGION_ENV_VARS) {
    const v = opts.env[name]?.trim();
    if (v) return { region: v, source: `env:${name}` };
  }
  return { region: 'cn-hangzhou', source: 'default' };
}

export function createDoctorContext(opts: ContextOptions): DoctorContext {
  const { region, source } = regionFor(opts);
  const config = opts.config;
  const packer = once<PackerBinary | undefined>(() => findPacker(opts.env));

  const session = once<CloudSession>(async () => {
    const cloud = await import('../cloud/index.ts');
    const profile = config?.providers.packer.alibaba.credentials_profile;
    const credentials = await cloud.resolveCredentials({
      env: opts.env,
      home: opts.home,
      region,
      ...(profile ? { profile } : {}),
    });
    const endpoints = config?.providers.packer.alibaba.endpoints;
    const clients = await cloud.createClients({
      credentials,
      region,
      env: opts.env,
      ...(endpoints ? { endpoints } : {}),
      // A doctor answers quickly: two attempts, short backoff.
      retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000 },
      connectTimeoutMs: 5000,
      readTimeoutMs: opts.readTimeoutMs ?? 15_000,
    });
    return { credentials, clients };
  });

  const identity = once<CallerIdentity>(async () => {
    const { clients } = await session();
    const body = await clients.call('sts', 'GetCallerIdentity');
    return {
      accountId: String(body.accountId ?? ''),
      arn: String(body.arn ?? ''),
      identityType: String(body.identityType ?? ''),
      ...(body.userId ? { userId: String(body.userId) } : {}),
    };
  });

  const vswitch = once<VSwitchInfo | undefined>(async () => {
    const id = config?.providers.packer.alibaba.vswitch_id;
    if (!id) return undefined;
    const { clients } = await session();
    const body = await clients.call('ecs', 'DescribeVSwitches', { regionId: region, vSwitchId: id });
    const found = body.vSwitches?.vSwitch?.find((v) => v.vSwitchId === id);
    if (!found) return undefined;
    return {
      vSwitchId: id,
      vpcId: found.vpcId ?? '',
      zoneId: found.zoneId ?? '',
      status: found.status ?? '',
      ...(found.cidrBlock ? { cidrBlock: found.cidrBlock } : {}),
    };
  });

  const actions = once<string[]>(async () => {
    if (!config) return [];
    const p = await packer();
    return requiredActions(config, {
      ...(p ? { packerVersion: p.version } : {}),
      force: opts.force ?? false,
    }).map((a) => a.action);
  });

  return {
    env: opts.env,
    home: opts.home,
    config,
    configFile: opts.configFile,
    region,
    regionSource: source,
    force: opts.force ?? false,
    packer,
    session,
    identity,
    vswitch,
    requiredActions: actions,
  };
}
