/** The emulator's admin operations: seeding accounts, faults, request log, leak checks, clock. */
import { randomBytes } from 'node:crypto';
import type { AccountRecord, Attachment, PolicyRecord } from './accounts.ts';
import { ROOT_ACCOUNT_ID } from './accounts.ts';
import type { CloudAssistantHost } from './cloud-assistant.ts';
import type { Product } from './context.ts';
import { parsePolicy } from './policy.ts';
import type { CommandRule, InstanceRecords, SshFleet } from './ssh.ts';
import { type Delays, isoSeconds, type Kind, type Quotas, randomId, type World } from './state.ts';

export interface SeedPolicy {
  policyName: string;
  /** A policy document, as JSON text or as an object. */
  document: string | Record<string, unknown>;
  description?: string;
}

/** A policy to attach: the name of a system or existing custom policy, or a new custom policy. */
export type PolicyRef = string | SeedPolicy;

export interface SeedUser {
  userName: string;
  displayName?: string;
  policies?: PolicyRef[];
  /** Access keys to create; one is generated when omitted. */
  accessKeys?: Array<{ accessKeyId: string; accessKeySecret: string }>;
}

export interface SeedRole {
  roleName: string;
  description?: string;
  policies?: PolicyRef[];
  /** Accounts allowed to assume the role (default: the role's own account). */
  trustedAccounts?: string[];
  /** OIDC providers (names, in the role's account) whose tokens may assume the role. */
  trustedOidcProviders?: string[];
  maxSessionDuration?: number;
}

export interface SeedAccountSpec {
  /** Defaults to a fresh 16-digit ID. An existing account is extended. */
  accountId?: string;
  /** Root access key to add (generated when the account is new and none is given). */
  accessKeyId?: string;
  accessKeySecret?: string;
  policies?: SeedPolicy[];
  users?: SeedUser[];
  roles?: SeedRole[];
  /** OIDC identity providers; a token's `iss` must be the issuer and its `aud` one of the client IDs. */
  oidcProviders?: Array<{ name: string; issuerUrl: string; clientIds: string[] }>;
}

export interface SeededAccount {
  accountId: string;
  rootAccessKeyId?: string;
  rootAccessKeySecret?: string;
  users: Record<string, { userId: string; accessKeyId: string; accessKeySecret: string }>;
  roles: Record<string, { roleId: string; arn: string }>;
}

export interface RamUserSpec extends SeedUser {
  accountId?: string;
}

export interface FaultSpec {
  /** Action name or glob (`Describe*`, `*`); `ecs:CreateImage` restricts the product too. */
  action?: string;
  product?: Product;
  region?: string;
  /**
   * Only calls signed this way: `HMAC-SHA1` (packer's Go SDK, signature v1) or `ACS3-HMAC-SHA256`
   * (the Node SDK's default), so faults can target one client when both use the same key.
   */
  signatureMethod?: string;
  /** Error code to answer with; omit for latency-only or drop faults. */
  code?: string;
  /** HTTP status; defaults from the code (Throttling* 400, ServiceUnavailable 503, InternalError 500, else 400). */
  status?: number;
  message?: string;
  /** Chance (0..1) that a matching call is hit; default 1. */
  probability?: number;
  /** How many calls to hit before the fault expires; default unlimited. */
  count?: number;
  /** Delay added before answering (or before dropping). */
  latencyMs?: number;
  /** Close the connection without answering (the call is not performed). */
  drop?: boolean;
  /** Perform the call, then close the connection without answering: a response lost on the way back. */
  dropResponse?: boolean;
  /** With `code`: perform the call, then answer the error (a 5xx after the work was done). */
  afterCall?: boolean;
  /** With `code`: send `x-acs-retry-after` (milliseconds), as the API does when it throttles. */
  retryAfterMs?: number;
  /** Perform the call and answer without these top-level fields (`AccountId`, `Regions`): a broken answer. */
  omitFields?: string[];
}

export interface Fault extends FaultSpec {
  id: string;
  hits: number;
}

export interface LoggedRequest {
  seq: number;
  time: string;
  requestId: string;
  method: string;
  host: string;
  proxied: boolean;
  product?: string;
  action?: string;
  version?: string;
  regionId?: string;
  accessKeyId?: string;
  principal?: string;
  signatureMethod?: string;
  params: Record<string, string>;
  status: number;
  code?: string;
  fault?: string;
  durationMs: number;
}

export interface ResourceSummary {
  id: string;
  regionId: string;
  accountId: string;
  status: string;
  name: string;
}

export interface LiveResources {
  instances: ResourceSummary[];
  eips: ResourceSummary[];
  securityGroups: ResourceSummary[];
  vswitches: ResourceSummary[];
  vpcs: ResourceSummary[];
  keyPairs: ResourceSummary[];
  images: ResourceSummary[];
  snapshots: ResourceSummary[];
  disks: ResourceSummary[];
  tasks: ResourceSummary[];
}

/** A type a zone has no stock of: launches fail with `OperationDenied.NoStock`. */
export interface NoStockSpec {
  instanceType: string;
  /** Every region when unset. */
  regionId?: string;
  /** Every zone of the region when unset. */
  zoneId?: string;
  /**
   * DescribeAvailableResource still reports the type `WithStock` there (stock that ran out between
   * the look-up and the launch); by default it reports `WithoutStock`.
   */
  hidden?: boolean;
}

/** One instance's execution of a Cloud Assistant command, for tests. */
export interface InvocationRecord {
  invokeId: string;
  instanceId: string;
  state: string;
  exitCode: number | undefined;
  errorCode: string;
  content: string;
  output: string;
  dropped: number;
}

export interface QuotaSpec extends Partial<Quotas> {
  /** Applies to one account when given, else to every account. */
  accountId?: string;
}

/** The admin operations, in process. The HTTP API under `/__admin/` exposes the same operations. */
export class EmulatorAdmin {
  readonly world: World;
  readonly ssh: SshFleet;
  faults: Fault[] = [];
  log: LoggedRequest[] = [];
  seq = 0;

  readonly assistant: CloudAssistantHost;

  constructor(world: World, ssh: SshFleet, assistant: CloudAssistantHost) {
    this.world = world;
    this.ssh = ssh;
    this.assistant = assistant;
  }

  // ------------------------------------------------------------ capacity and Cloud Assistant

  /** No stock of a type in a zone (or every zone): its launches fail with `OperationDenied.NoStock`. */
  setNoStock(spec: NoStockSpec): string {
    const id = `stock-${randomId(8)}`;
    this.world.noStock.push({ id, ...spec });
    return id;
  }

  clearNoStock(id?: string): void {
    this.world.noStock = id === undefined ? [] : this.world.noStock.filter((s) => s.id !== id);
  }

  /** A NAT gateway in a VPC (internet by default): what gives its instances a way out without public addresses. */
  addNatGateway(spec: {
    vpcId: string;
    regionId?: string;
    accountId?: string;
    networkType?: string;
  }): string {
    const vpc = this.world.list('vpc').find((v) => v.id === spec.vpcId);
    const regionId = spec.regionId ?? vpc?.regionId ?? 'cn-hangzhou';
    const id = `ngw-${this.world.region(regionId)?.idPrefix ?? 'xxx'}${randomId(17)}`;
    this.world.natGateways.push({
      id,
      regionId,
      accountId: spec.accountId ?? vpc?.accountId ?? ROOT_ACCOUNT_ID,
      vpcId: spec.vpcId,
      networkType: spec.networkType ?? 'internet',
    });
    return id;
  }

  /** Every Cloud Assistant execution, oldest first (optionally of one instance). */
  invocations(instanceId?: string): InvocationRecord[] {
    return [...this.assistant.invocations.values()]
      .filter((i) => instanceId === undefined || i.instanceId === instanceId)
      .map((i) => this.assistant.settle(i))
      .sort((a, b) => a.createdAt - b.createdAt)
      .map((i) => ({
        invokeId: i.invokeId,
        instanceId: i.instanceId,
        state: i.state,
        exitCode: i.exitCode,
        errorCode: i.errorCode,
        content: i.content,
        output: i.output.toString('utf8'),
        dropped: i.dropped,
      }));
  }

  // ------------------------------------------------------------ accounts

  seedAccount(spec: SeedAccountSpec = {}): SeededAccount {
    const w = this.world;
    const accountId = spec.accountId ?? `1${randomDigits(15)}`;
    if (!/^\d{16}$/.test(accountId)) throw new Error(`account ID must be 16 digits: ${accountId}`);
    const isNew = !w.accounts.has(accountId);
    const account = w.addAccount(accountId);
    const out: SeededAccount = { accountId, users: {}, roles: {} };
    if (spec.accessKeyId !== undefined || isNew) {
      const id = spec.accessKeyId ?? `LTAI-FAKE-${randomId(16).toUpperCase()}`;
      const secret = spec.accessKeySecret ?? `fake-secret-${randomId(24)}`;
      w.addAccessKey({ accessKeyId: id, secret, principal: { type: 'root', accountId } });
      out.rootAccessKeyId = id;
      out.rootAccessKeySecret = secret;
    }
    for (const p of spec.policies ?? []) this.addPolicy(account, p);
    for (const u of spec.users ?? []) {
      const now = isoSeconds(w.now());
      const existing = account.users.get(u.userName);
      const user = existing ?? {
        userName: u.userName,
        userId: randomDigits(16),
        displayName: u.displayName ?? u.userName,
        createDate: now,
        policies: [],
      };
      account.users.set(u.userName, user);
      for (const ref of u.policies ?? []) this.attach(account, user.policies, ref);
      const keys = u.accessKeys ?? [
        {
          accessKeyId: `LTAI-FAKE-${randomId(16).toUpperCase()}`,
          accessKeySecret: `fake-secret-${randomId(24)}`,
        },
      ];
      for (const k of keys)
        w.addAccessKey({
          accessKeyId: k.accessKeyId,
          secret: k.accessKeySecret,
          principal: { type: 'user', accountId, userName: u.userName },
        });
      const last = keys.at(-1);
      out.users[u.userName] = {
        userId: user.userId,
        accessKeyId: last?.accessKeyId ?? '',
        accessKeySecret: last?.accessKeySecret ?? '',
      };
    }
    for (const o of spec.oidcProviders ?? []) {
      account.oidcProviders.set(o.name, {
        ...o,
        arn: `acs:ram::${accountId}:oidc-provider/${o.name}`,
      });
    }
    for (const r of spec.roles ?? []) {
      const now = isoSeconds(w.now());
      const trusted = r.trustedAccounts ?? [accountId];
      const federated = (r.trustedOidcProviders ?? []).map((n) => `acs:ram::${accountId}:oidc-provider/${n}`);
      const role = account.roles.get(r.roleName) ?? {
        roleName: r.roleName,
        roleId: randomDigits(19),
        arn: `acs:ram::${accountId}:role/${r.roleName.toLowerCase()}`,
        description: r.description ?? '',
        assumeRolePolicyDocument: JSON.stringify({
          Version: '1',
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { RAM: trusted.map((a) => `acs:ram::${a}:root`) },
            },
            ...(federated.length > 0
              ? [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Federated: federated } }]
              : []),
          ],
        }),
        createDate: now,
        maxSessionDuration: r.maxSessionDuration ?? 3600,
        policies: [],
      };
      account.roles.set(r.roleName, role);
      for (const ref of r.policies ?? []) this.attach(account, role.policies, ref);
      out.roles[r.roleName] = { roleId: role.roleId, arn: role.arn };
    }
    return out;
  }

  /** Creates a RAM user (in the default root account unless `accountId` is given) and returns its key. */
  createRamUser(spec: RamUserSpec): {
    accountId: string;
    userName: string;
    userId: string;
    accessKeyId: string;
    accessKeySecret: string;
  } {
    const accountId = spec.accountId ?? ROOT_ACCOUNT_ID;
    const seeded = this.seedAccount({ accountId, users: [spec] });
    const u = seeded.users[spec.userName];
    if (!u) throw new Error('user not created');
    return { accountId, userName: spec.userName, ...u };
  }

  private addPolicy(account: AccountRecord, p: SeedPolicy): PolicyRecord {
    const document = typeof p.document === 'string' ? p.document : JSON.stringify(p.document);
    parsePolicy(document);
    const now = isoSeconds(this.world.now());
    const existing = account.policies.get(p.policyName);
    if (existing) {
      const versionId = `v${existing.versions.length + 1}`;
      existing.versions.push({ versionId, document, createDate: now });
      existing.defaultVersion = versionId;
      return existing;
    }
    const record: PolicyRecord = {
      policyName: p.policyName,
      policyType: 'Custom',
      description: p.description ?? '',
      defaultVersion: 'v1',
      createDate: now,
      versions: [{ versionId: 'v1', document, createDate: now }],
    };
    account.policies.set(p.policyName, record);
    return record;
  }

  private attach(account: AccountRecord, list: Attachment[], ref: PolicyRef): void {
    const now = isoSeconds(this.world.now());
    let name: string;
    let type: 'System' | 'Custom';
    if (typeof ref === 'string') {
      name = ref;
      if (account.policies.has(ref)) type = 'Custom';
      else if (this.world.systemPolicies.has(ref)) type = 'System';
      else throw new Error(`unknown policy: ${ref}`);
    } else {
      name = this.addPolicy(account, ref).policyName;
      type = 'Custom';
    }
    if (!list.some((a) => a.policyName === name && a.policyType === type))
      list.push({ policyName: name, policyType: type, attachDate: now });
  }

  // ------------------------------------------------------------ faults

  injectFault(spec: FaultSpec): string {
    const id = `fault-${++this.seq}`;
    this.faults.push({ ...spec, id, hits: 0 });
    return id;
  }

  clearFaults(id?: string): void {
    this.faults = id === undefined ? [] : this.faults.filter((f) => f.id !== id);
  }

  listFaults(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  /** The fault that hits this call, if any (consumes one of its `count`). */
  pickFault(
    product: string,
    action: string,
    region: string | undefined,
    signatureMethod?: string,
  ): Fault | undefined {
    for (const f of this.faults) {
      if (f.count !== undefined && f.hits >= f.count) continue;
      if (f.signatureMethod !== undefined && f.signatureMethod !== signatureMethod) continue;
      if (f.product !== undefined && f.product !== product) continue;
      if (f.region !== undefined && f.region !== region) continue;
      let pattern = f.action ?? '*';
      const colon = pattern.indexOf(':');
      if (colon > 0) {
        if (pattern.slice(0, colon).toLowerCase() !== product) continue;
        pattern = pattern.slice(colon + 1);
      }
      const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i');
      if (!re.test(action)) continue;
      if (f.probability !== undefined && Math.random() >= f.probability) continue;
      f.hits++;
      return f;
    }
    return undefined;
  }

  // ------------------------------------------------------------ log

  requestLog(filter: { action?: string; product?: string } = {}): LoggedRequest[] {
    return this.log.filter(
      (e) =>
        (filter.action === undefined || e.action === filter.action) &&
        (filter.product === undefined || e.product === filter.product),
    );
  }

  clearRequestLog(): void {
    this.log = [];
  }

  record(entry: Omit<LoggedRequest, 'seq'>): void {
    this.log.push({ seq: this.log.length + 1, ...entry });
    if (this.log.length > 20_000) this.log.splice(0, this.log.length - 20_000);
  }

  // ------------------------------------------------------------ resources

  liveResources(region?: string): LiveResources {
    const w = this.world;
    const summary = (kind: Kind): ResourceSummary[] =>
      w
        .list(kind, region)
        .filter((r) => !(r.kind === 'image' && r.ownerAlias !== 'self'))
        .map((r) => ({
          id: r.id,
          regionId: r.regionId,
          accountId: r.accountId,
          status: w.status(r),
          name: 'name' in r ? r.name : '',
        }));
    return {
      instances: summary('instance'),
      eips: summary('eip'),
      securityGroups: summary('securitygroup'),
      vswitches: summary('vswitch'),
      vpcs: summary('vpc'),
      keyPairs: summary('keypair'),
      images: summary('image'),
      snapshots: summary('snapshot'),
      disks: summary('disk'),
      tasks: summary('task'),
    };
  }

  // ------------------------------------------------------------ clock and limits

  setTimeScale(scale: number): void {
    if (!(scale >= 0)) throw new Error('time scale must be >= 0');
    this.world.timeScale = scale;
  }

  setDelays(delays: Partial<Delays>): Delays {
    Object.assign(this.world.delays, delays);
    return { ...this.world.delays };
  }

  /** Moves the emulated clock forward (state transitions only; signatures use the real clock). */
  advanceTime(ms: number): void {
    this.world.clockOffsetMs += ms;
  }

  setQuotas(spec: QuotaSpec): void {
    const { accountId, ...quotas } = spec;
    if (accountId === undefined) Object.assign(this.world.quotas, quotas);
    else this.world.accountQuotas.set(accountId, { ...this.world.accountQuotas.get(accountId), ...quotas });
  }

  // ------------------------------------------------------------ fake instances

  instanceRecords(instanceId: string): InstanceRecords {
    return this.ssh.records(instanceId);
  }

  setCommandResult(rule: Omit<CommandRule, 'id'>): string {
    return this.ssh.addRule(rule);
  }

  clearCommandResults(): void {
    this.ssh.clearRules();
  }

  reset(): void {
    this.world.reset();
    this.faults = [];
    this.log = [];
    this.ssh.reset();
    this.assistant.reset();
  }
}

function randomDigits(n: number): string {
  return [...randomBytes(n)].map((b) => String(b % 10)).join('');
}
