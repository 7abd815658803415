/** Builds the doctor's shared context: each cloud lookup runs once however many checks need it. */
import { required } from '../cloud/response.ts';
import { openSession } from '../cloud/session.ts';
import type { SindriConfig } from '../config/types.ts';
import { findPacker, type PackerBinary } from '../packer/binary.ts';
import { requiredActions } from '../packer/required-actions.ts';
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

export function createDoctorContext(opts: ContextOptions): DoctorContext {
  const config = opts.config;
  const cloud = openSession({
    env: opts.env,
    home: opts.home,
    settings: config?.providers.packer.alibaba,
    region: opts.region,
    // A doctor answers quickly: two attempts, short backoff.
    clientOptions: {
      retry: { maxAttempts: 2, baseDelayMs: 200, maxDelayMs: 1000 },
      connectTimeoutMs: 5000,
      readTimeoutMs: opts.readTimeoutMs ?? 15_000,
    },
  });
  const region = cloud.region;
  const packer = once<PackerBinary | undefined>(() => findPacker(opts.env));

  const session = once<CloudSession>(async () => {
    const [credentials, clients] = await Promise.all([cloud.credentials(), cloud.clients()]);
    return { credentials, clients };
  });

  // GetCallerIdentity documents AccountId, Arn and IdentityType for every caller; only UserId (users
  // and the root account) and RoleId (roles) depend on who calls (sts GetCallerIdentity reference).
  const identity = once<CallerIdentity>(async () => {
    const { clients } = await session();
    const body = await clients.call('sts', 'GetCallerIdentity');
    const site = { product: 'sts', action: 'GetCallerIdentity', requestId: body.requestId };
    return {
      accountId: String(required(body.accountId, site, 'AccountId')),
      arn: String(required(body.arn, site, 'Arn')),
      identityType: String(required(body.identityType, site, 'IdentityType')),
      ...(body.userId ? { userId: String(body.userId) } : {}),
    };
  });

  const regions = once<string[]>(async () => {
    await session();
    return cloud.allRegions();
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
    regionSource: cloud.regionSource,
    force: opts.force ?? false,
    packer,
    session,
    identity,
    regions,
    vswitch,
    requiredActions: actions,
  };
}
