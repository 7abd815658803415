import { randomBytes } from 'node:crypto';
import {
  type AccessKeyRecord,
  type AccountRecord,
  type PolicyRecord,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  ROOT_ACCOUNT_ID,
  SECOND_ACCESS_KEY_ID,
  SECOND_ACCESS_KEY_SECRET,
  SECOND_ACCOUNT_ID,
  systemPolicies,
} from './accounts.ts';
import { publicImages, REGIONS, type RegionInfo, regionById } from './catalog.ts';

/** Nominal durations in seconds of each asynchronous transition; multiplied by the time scale. */
export interface Delays {
  instanceCreate: number;
  instanceStart: number;
  instanceStop: number;
  imageCreate: number;
  imageCopy: number;
  snapshotCreate: number;
  vpcCreate: number;
  vswitchCreate: number;
  eipAssociate: number;
  eipUnassociate: number;
  exportImage: number;
  /** A Cloud Assistant command waits this long as Pending before it runs (recording mode). */
  commandStart: number;
}

export const DEFAULT_DELAYS: Delays = {
  instanceCreate: 5,
  instanceStart: 10,
  instanceStop: 10,
  imageCreate: 60,
  imageCopy: 120,
  snapshotCreate: 30,
  vpcCreate: 2,
  vswitchCreate: 2,
  eipAssociate: 2,
  eipUnassociate: 2,
  exportImage: 60,
  commandStart: 1,
};

/** Per-account, per-region limits. */
export interface Quotas {
  instances: number;
  eips: number;
  securityGroups: number;
  vpcs: number;
  vswitches: number;
  customImages: number;
  keyPairs: number;
  snapshots: number;
}

export const DEFAULT_QUOTAS: Quotas = {
  instances: 50,
  eips: 20,
  securityGroups: 100,
  vpcs: 10,
  vswitches: 150,
  customImages: 100,
  keyPairs: 500,
  snapshots: 1000,
};

export interface Step {
  at: number;
  status: string;
}

export interface Resource {
  id: string;
  regionId: string;
  accountId: string;
  createdAt: number;
  tags: Map<string, string>;
  timeline: Step[];
  deleted?: boolean;
  /** JoinResourceGroup's group; '' or unset for the default group. */
  resourceGroupId?: string;
}

export interface Image extends Resource {
  kind: 'image';
  name: string;
  description: string;
  ownerAlias: 'system' | 'self' | 'marketplace';
  osType: string;
  osName: string;
  osNameEn: string;
  platform: string;
  architecture: string;
  size: number;
  imageFamily: string;
  productCode: string;
  snapshotIds: string[];
  sourceInstanceId: string;
  sourceImageId: string;
  copiedFrom: string;
  shareAccounts: Map<string, number>;
  isPublic: boolean;
  /** Start and end of the Creating phase, to report Progress. */
  creatingFrom: number;
  creatingUntil: number;
  /** Encrypted by CopyImage with `Encrypted=true`; its snapshots carry the key. */
  encrypted?: boolean;
  kmsKeyId?: string;
}

export interface Snapshot extends Resource {
  kind: 'snapshot';
  name: string;
  description: string;
  sourceDiskId: string;
  sourceDiskSize: number;
  sourceDiskType: string;
  creatingFrom: number;
  creatingUntil: number;
  encrypted?: boolean;
  /** The KMS key of an encrypted snapshot (`''` for the default service key). */
  kmsKeyId?: string;
}

export interface Disk extends Resource {
  kind: 'disk';
  name: string;
  zoneId: string;
  category: string;
  performanceLevel: string;
  size: number;
  type: 'system' | 'data';
  instanceId: string;
  imageId: string;
  sourceSnapshotId: string;
  device: string;
  deleteWithInstance: boolean;
}

export interface Instance extends Resource {
  kind: 'instance';
  name: string;
  hostName: string;
  description: string;
  zoneId: string;
  instanceType: string;
  imageId: string;
  vpcId: string;
  vswitchId: string;
  securityGroupIds: string[];
  privateIp: string;
  publicIp: string;
  eipAllocationId: string;
  keyPairName: string;
  password: string;
  chargeType: string;
  internetChargeType: string;
  internetMaxBandwidthOut: number;
  spotStrategy: string;
  userData: string;
  ioOptimized: boolean;
  systemDiskId: string;
  dataDiskIds: string[];
  startedAt: number;
}

export interface Vpc extends Resource {
  kind: 'vpc';
  name: string;
  description: string;
  cidrBlock: string;
  vRouterId: string;
  routeTableId: string;
  isDefault: boolean;
}

export interface VSwitch extends Resource {
  kind: 'vswitch';
  name: string;
  description: string;
  vpcId: string;
  zoneId: string;
  cidrBlock: string;
}

export interface SecurityGroupRule {
  ruleId: string;
  direction: 'ingress' | 'egress';
  ipProtocol: string;
  portRange: string;
  sourceCidrIp: string;
  destCidrIp: string;
  policy: string;
  priority: string;
  nicType: string;
  description: string;
  createTime: string;
}

export interface SecurityGroup extends Resource {
  kind: 'securitygroup';
  name: string;
  description: string;
  vpcId: string;
  securityGroupType: string;
  rules: SecurityGroupRule[];
}

export interface Eip extends Resource {
  kind: 'eip';
  name: string;
  description: string;
  ipAddress: string;
  bandwidth: string;
  chargeType: string;
  internetChargeType: string;
  isp: string;
  instanceId: string;
  instanceType: string;
}

export interface KeyPair extends Resource {
  kind: 'keypair';
  name: string;
  fingerprint: string;
  /** OpenSSH `ssh-rsa AAAA...` form. */
  publicKey: string;
}

export interface Task extends Resource {
  kind: 'task';
  action: string;
  resourceId: string;
  finishedAt: number;
  supportCancel: boolean;
  detail: Record<string, string>;
}

export type AnyResource =
  | Image
  | Snapshot
  | Disk
  | Instance
  | Vpc
  | VSwitch
  | SecurityGroup
  | Eip
  | KeyPair
  | Task;
export type Kind = AnyResource['kind'];

/** The IP address every fake instance and EIP reports, so clients' SSH reaches the local fake. */
export const LOOPBACK = '127.0.0.1';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
export function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHABET[b % ALPHABET.length];
  return out;
}

export const isoSeconds = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;
export const isoMinutes = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16)}Z`;

export interface WorldOptions {
  timeScale?: number;
  delays?: Partial<Delays>;
  quotas?: Partial<Quotas>;
}

/** All emulated state: accounts, credentials and resources of every region. */
export class World {
  timeScale: number;
  delays: Delays;
  quotas: Quotas;
  accounts = new Map<string, AccountRecord>();
  accessKeys = new Map<string, AccessKeyRecord>();
  systemPolicies: Map<string, PolicyRecord>;
  resources = new Map<string, AnyResource>();
  /** Per-account quota overrides. */
  accountQuotas = new Map<string, Partial<Quotas>>();
  /** `${accountId}|${action}|${token}` → stored response and a fingerprint of the parameters. */
  clientTokens = new Map<string, { fingerprint: string; response: Record<string, unknown> }>();
  usedNonces = new Map<string, number>();
  /** Added to the real clock for state transitions (see the admin `advanceTime`). */
  clockOffsetMs = 0;
  /** Destination regions whose image copies end `CreateFailed` instead of `Available` (a test fault). */
  copyFailures = new Set<string>();
  /** NAT gateways (the admin's `addNatGateway`): a VPC's way out without public addresses. */
  natGateways: Array<{
    id: string;
    regionId: string;
    accountId: string;
    vpcId: string;
    networkType: string;
  }> = [];
  /** Types zones have no stock of (the admin's `setNoStock`). */
  noStock: Array<{
    id: string;
    instanceType: string;
    regionId?: string;
    zoneId?: string;
    hidden?: boolean;
  }> = [];

  /** The stock-out that applies to a type in a zone, if any. */
  stockOut(regionId: string, zoneId: string, instanceType: string) {
    return this.noStock.find(
      (s) =>
        s.instanceType === instanceType &&
        (s.regionId === undefined || s.regionId === regionId) &&
        (s.zoneId === undefined || s.zoneId === zoneId),
    );
  }

  private readonly initial: WorldOptions;

  constructor(options: WorldOptions = {}) {
    this.initial = options;
    this.timeScale = options.timeScale ?? 0;
    this.delays = { ...DEFAULT_DELAYS, ...options.delays };
    this.quotas = { ...DEFAULT_QUOTAS, ...options.quotas };
    this.systemPolicies = systemPolicies(isoSeconds(Date.now()));
    this.seedDefaults();
  }

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  /** Milliseconds a named transition takes at the current time scale. */
  delayMs(name: keyof Delays): number {
    return Math.max(0, this.delays[name] * 1000 * this.timeScale);
  }

  seedDefaults(): void {
    this.addAccount(ROOT_ACCOUNT_ID);
    this.addAccessKey({
      accessKeyId: ROOT_ACCESS_KEY_ID,
      secret: ROOT_ACCESS_KEY_SECRET,
      principal: { type: 'root', accountId: ROOT_ACCOUNT_ID },
    });
    this.addAccount(SECOND_ACCOUNT_ID);
    this.addAccessKey({
      accessKeyId: SECOND_ACCESS_KEY_ID,
      secret: SECOND_ACCESS_KEY_SECRET,
      principal: { type: 'root', accountId: SECOND_ACCOUNT_ID },
    });
    const t = this.now() - 86_400_000;
    for (const region of REGIONS) {
      for (const seed of publicImages(region)) {
        const image: Image = {
          kind: 'image',
          id: seed.imageId,
          regionId: region.regionId,
          accountId: seed.ownerAlias === 'system' ? 'system' : 'marketplace',
          createdAt: t,
          tags: new Map(),
          timeline: [{ at: t, status: 'Available' }],
          name: seed.imageName,
          description: seed.ownerAlias === 'marketplace' ? 'Marketplace image' : '',
          ownerAlias: seed.ownerAlias,
          osType: seed.osType,
          osName: seed.osName,
          osNameEn: seed.osNameEn,
          platform: seed.platform,
          architecture: seed.architecture,
          size: seed.size,
          imageFamily: seed.imageFamily ?? '',
          productCode: seed.productCode ?? '',
          snapshotIds: [],
          sourceInstanceId: '',
          sourceImageId: '',
          copiedFrom: '',
          shareAccounts: new Map(),
          isPublic: true,
          creatingFrom: t,
          creatingUntil: t,
        };
        this.resources.set(this.key('image', region.regionId, image.id), image);
      }
    }
  }

  addAccount(accountId: string): AccountRecord {
    let account = this.accounts.get(accountId);
    if (!account) {
      account = {
        accountId,
        users: new Map(),
        roles: new Map(),
        oidcProviders: new Map(),
        policies: new Map(),
      };
      this.accounts.set(accountId, account);
    }
    return account;
  }

  addAccessKey(record: AccessKeyRecord): void {
    this.accessKeys.set(record.accessKeyId, record);
  }

  quota(accountId: string, name: keyof Quotas): number {
    return this.accountQuotas.get(accountId)?.[name] ?? this.quotas[name];
  }

  /** Resources are keyed by kind and region so that public image IDs can repeat across regions. */
  key(kind: Kind, regionId: string, id: string): string {
    return `${kind}|${regionId}|${id}`;
  }

  newId(prefix: string, region: RegionInfo): string {
    return `${prefix}-${region.idPrefix}${randomId(17)}`;
  }

  add<T extends AnyResource>(resource: T): T {
    this.resources.set(this.key(resource.kind, resource.regionId, resource.id), resource);
    return resource;
  }

  get<K extends Kind>(kind: K, regionId: string, id: string): Extract<AnyResource, { kind: K }> | undefined {
    const r = this.resources.get(this.key(kind, regionId, id));
    return r && !r.deleted ? (r as Extract<AnyResource, { kind: K }>) : undefined;
  }

  remove(resource: AnyResource): void {
    resource.deleted = true;
    this.resources.delete(this.key(resource.kind, resource.regionId, resource.id));
  }

  list<K extends Kind>(
    kind: K,
    regionId?: string,
    accountId?: string,
  ): Array<Extract<AnyResource, { kind: K }>> {
    const out: Array<Extract<AnyResource, { kind: K }>> = [];
    for (const r of this.resources.values()) {
      if (r.kind !== kind || r.deleted) continue;
      if (regionId !== undefined && r.regionId !== regionId) continue;
      if (accountId !== undefined && r.accountId !== accountId) continue;
      out.push(r as Extract<AnyResource, { kind: K }>);
    }
    return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  /** The status a resource has reached now. */
  status(resource: Resource): string {
    const now = this.now();
    let status = resource.timeline[0]?.status ?? '';
    for (const step of resource.timeline) if (step.at <= now) status = step.status;
    return status;
  }

  /** Replaces the future of a resource's timeline: each step happens `delay` ms after the previous. */
  transition(resource: Resource, steps: Array<[number, string]>): void {
    const now = this.now();
    resource.timeline = resource.timeline.filter((s) => s.at <= now);
    let at = now;
    for (const [delay, status] of steps) {
      at += delay;
      resource.timeline.push({ at, status });
    }
  }

  /** When the last scheduled step happens. */
  settlesAt(resource: Resource): number {
    return resource.timeline.at(-1)?.at ?? resource.createdAt;
  }

  region(regionId: string): RegionInfo | undefined {
    return regionById(regionId);
  }

  /** Back to the start: default accounts and public images only; clock, delays and quotas as configured at start. */
  reset(): void {
    this.accounts.clear();
    this.accessKeys.clear();
    this.resources.clear();
    this.clientTokens.clear();
    this.usedNonces.clear();
    this.accountQuotas.clear();
    this.clockOffsetMs = 0;
    this.copyFailures.clear();
    this.noStock = [];
    this.natGateways = [];
    this.timeScale = this.initial.timeScale ?? 0;
    this.delays = { ...DEFAULT_DELAYS, ...this.initial.delays };
    this.quotas = { ...DEFAULT_QUOTAS, ...this.initial.quotas };
    this.seedDefaults();
  }
}
