/** Seeding the emulator in process (no API calls) and running the CLI against it. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Emulator,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  ROOT_ACCOUNT_ID,
} from '../emulator/index.ts';
import type { Image, Instance, Snapshot } from '../emulator/state.ts';
import { type CliResult, isolatedEnv, runSindri } from '../helpers/cli.ts';

export interface SeedImageSpec {
  region: string;
  name: string;
  /** Defaults to ManagedBy=sindri plus a build ID and config hash. */
  tags?: Record<string, string>;
  /** Milliseconds since the epoch. */
  createdAt?: number;
  status?: 'Available' | 'Deprecated' | 'Creating' | 'CreateFailed';
  snapshots?: number;
  sharedWith?: string[];
  accountId?: string;
  sizeGiB?: number;
}

export function sindriTags(buildId: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ManagedBy: 'sindri',
    'sindri:build-id': buildId,
    'sindri:config-hash': `cafe${buildId.replace(/[^0-9a-f]/g, '').padEnd(60, '0')}`.slice(0, 64),
    'sindri:version': '0.1.0',
    ...extra,
  };
}

/** Puts an image (and its snapshots) straight into the emulator's world. */
export function seedImage(emu: Emulator, spec: SeedImageSpec): { image: Image; snapshots: Snapshot[] } {
  const w = emu.admin.world;
  const region = w.region(spec.region);
  if (!region) throw new Error(`unknown region ${spec.region}`);
  const at = spec.createdAt ?? w.now();
  const accountId = spec.accountId ?? ROOT_ACCOUNT_ID;
  const snapshots = Array.from({ length: spec.snapshots ?? 1 }, (_, i) =>
    w.add<Snapshot>({
      kind: 'snapshot',
      id: w.newId('s', region),
      regionId: region.regionId,
      accountId,
      createdAt: at,
      tags: new Map(),
      timeline: [{ at, status: 'accomplished' }],
      name: '',
      description: '',
      sourceDiskId: '',
      sourceDiskSize: spec.sizeGiB ?? 20,
      sourceDiskType: i === 0 ? 'system' : 'data',
      creatingFrom: at,
      creatingUntil: at,
    }),
  );
  const image = w.add<Image>({
    kind: 'image',
    id: w.newId('m', region),
    regionId: region.regionId,
    accountId,
    createdAt: at,
    tags: new Map(Object.entries(spec.tags ?? sindriTags(`b-${Math.floor(at / 1000)}`))),
    timeline: [{ at, status: spec.status ?? 'Available' }],
    name: spec.name,
    description: '',
    ownerAlias: 'self',
    osType: 'linux',
    osName: 'Ubuntu 22.04 64 bit',
    osNameEn: 'Ubuntu 22.04 64 bit',
    platform: 'Ubuntu',
    architecture: 'x86_64',
    size: spec.sizeGiB ?? 20,
    imageFamily: '',
    productCode: '',
    snapshotIds: snapshots.map((s) => s.id),
    sourceInstanceId: '',
    sourceImageId: '',
    copiedFrom: '',
    shareAccounts: new Map((spec.sharedWith ?? []).map((a) => [a, at])),
    isPublic: false,
    creatingFrom: at,
    creatingUntil: at,
  });
  return { image, snapshots };
}

/** An instance using an image, without any network (enough for the in-use checks). */
export function seedInstance(emu: Emulator, region: string, imageId: string): Instance {
  const w = emu.admin.world;
  const info = w.region(region);
  if (!info) throw new Error(`unknown region ${region}`);
  const now = w.now();
  return w.add<Instance>({
    kind: 'instance',
    id: w.newId('i', info),
    regionId: region,
    accountId: ROOT_ACCOUNT_ID,
    createdAt: now,
    tags: new Map(),
    timeline: [{ at: now, status: 'Running' }],
    name: 'web-1',
    hostName: 'web-1',
    description: '',
    zoneId: info.zones[0] ?? `${region}-a`,
    instanceType: 'ecs.g6.large',
    imageId,
    vpcId: '',
    vswitchId: '',
    securityGroupIds: [],
    privateIp: '127.0.0.1',
    publicIp: '',
    eipAllocationId: '',
    keyPairName: '',
    password: '',
    chargeType: 'PostPaid',
    internetChargeType: 'PayByTraffic',
    internetMaxBandwidthOut: 0,
    spotStrategy: 'NoSpot',
    userData: '',
    ioOptimized: true,
    systemDiskId: '',
    dataDiskIds: [],
    startedAt: now,
  });
}

export interface CliSandbox {
  home: string;
  cwd: string;
  env: NodeJS.ProcessEnv;
  run(args: string[], opts?: { input?: string; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  dispose(): Promise<void>;
}

/** A temporary HOME and working directory, and the emulator's root key in the environment. */
export async function cliSandbox(emu: Emulator): Promise<CliSandbox> {
  const home = await mkdtemp(join(tmpdir(), 'sindri-home-'));
  const cwd = await mkdtemp(join(tmpdir(), 'sindri-cwd-'));
  const env = isolatedEnv({
    HOME: home,
    ALIBABA_CLOUD_ACCESS_KEY_ID: ROOT_ACCESS_KEY_ID,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: ROOT_ACCESS_KEY_SECRET,
    SINDRI_ENDPOINT: emu.url,
  });
  return {
    home,
    cwd,
    env,
    run: (args, opts = {}) =>
      runSindri(args, {
        cwd,
        env: { ...env, ...opts.env },
        ...(opts.input !== undefined ? { input: opts.input } : {}),
      }),
    async dispose() {
      await Promise.all([
        rm(home, { recursive: true, force: true }),
        rm(cwd, { recursive: true, force: true }),
      ]);
    },
  };
}

/** The DescribeImages pages the emulator served, per region. */
export function describeImagesCalls(emu: Emulator): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const e of emu.admin.requestLog({ action: 'DescribeImages' })) {
    const region = e.regionId ?? e.params.RegionId ?? '';
    const list = out.get(region) ?? [];
    list.push(Number(e.params.PageNumber ?? 1));
    out.set(region, list);
  }
  return out;
}
