/**
 * What every step of a pipeline sees: the cloud session, the distribution plan (from the
 * configuration and the flags, never changed), the build record (the one state, saved after each
 * step), progress, warnings, the interrupt signal and the clock.
 */
import { type Clock, realClock } from '../cloud/clock.ts';
import type { CloudSession } from '../cloud/session.ts';
import { catalogueNames, installedExtensions } from '../config/catalogue.ts';
import type { LoadedConfig } from '../config/load.ts';
import {
  type BastionConfig,
  type Communicator,
  instanceTypes,
  type SindriConfig,
  type TestsConfig,
} from '../config/types.ts';
import { createLimiter, type Limiter } from '../images/limit.ts';
import type { RetentionPolicy } from '../images/retention.ts';
import type { SweepOutcome } from '../images/teardown.ts';
import type { PackerBinary } from '../packer/binary.ts';
import type { RenderedTemplate } from '../render/render.ts';
import type { Refusal } from './packer-failure.ts';
import type { ProgressSink } from './progress.ts';
import { type BuildRecord, buildDir, saveRecord } from './record.ts';

/** What the distribution does with a finished image. */
export interface DistributionPlan {
  copyRegions: readonly string[];
  shareAccounts: readonly string[];
  /** Remove accounts the image is shared with that are no longer listed. */
  pruneShares: boolean;
  /** Tags of every copy (sindri's own are added). */
  tags: Readonly<Record<string, string>>;
  encrypted: boolean;
  /** The KMS key of every region not in `kmsKeyIds` (unset: the default service key). */
  kmsKeyId?: string | undefined;
  /** Region → KMS key (KMS keys are regional). */
  kmsKeyIds?: Readonly<Record<string, string>> | undefined;
  retention?: RetentionPolicy | undefined;
  /** Retention may deprecate and delete images that instances use. */
  force: boolean;
  /** The resource group every finished image joins. */
  resourceGroupId?: string | undefined;
  /** The image family every finished image joins. */
  family?: string | undefined;
}

/** Knobs of the waits and the parallelism (tests and benchmarks shorten them). */
export interface Tuning {
  copyConcurrency: number;
  copyDeadlineMs: number;
  pollMinDelayMs?: number | undefined;
  pollMaxDelayMs?: number | undefined;
  /** Clock time retention measures image ages against. */
  now?: number | undefined;
}

export interface PipelineContext {
  readonly session: CloudSession;
  readonly plan: DistributionPlan;
  record: BuildRecord;
  /** Where records are kept: `<config dir>/.sindri/builds/<build ID>`. */
  readonly configDir: string;
  readonly progress: ProgressSink;
  warn(message: string): void;
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly tuning: Tuning;
  /** Bounds the API calls in flight across every region. */
  readonly limit: Limiter;
}

/** What every use case over an existing image or instance is started with (distribute, capture, test). */
export interface WorkspaceRunOptions {
  /** `--config`; optional where the use case allows it. */
  configPath?: string | undefined;
  /** `--region`. */
  region?: string | undefined;
  progress: ProgressSink;
  signal: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Redacted client debug lines (`--debug`). */
  debug?: ((line: string) => void) | undefined;
  tuning?: Partial<Tuning>;
}

export const DEFAULT_TUNING: Tuning = { copyConcurrency: 8, copyDeadlineMs: 6 * 60 * 60 * 1000 };
/** API calls in flight at once across a distribution. */
export const API_CONCURRENCY = 16;

export type ContextFields = Pick<
  PipelineContext,
  'session' | 'plan' | 'record' | 'configDir' | 'progress' | 'signal'
> &
  Partial<Pick<PipelineContext, 'warn' | 'clock' | 'limit'>> & { tuning?: Partial<Tuning> | undefined };

/** A pipeline context with the usual clock, limits and tuning unless given. */
export function newContext(fields: ContextFields): PipelineContext {
  const { tuning, ...rest } = fields;
  return {
    warn: (message) => fields.progress.detail(`warning: ${message}`),
    clock: realClock,
    limit: createLimiter(API_CONCURRENCY),
    ...rest,
    tuning: { ...DEFAULT_TUNING, ...tuning },
  };
}

/** The directory of the record as it is now (a cache hit continues an earlier build's record). */
export function recordDir(ctx: Pick<PipelineContext, 'configDir' | 'record'>): string {
  return buildDir(ctx.configDir, ctx.record.buildId);
}

export function saveState(ctx: Pick<PipelineContext, 'configDir' | 'record'>): Promise<void> {
  return saveRecord(recordDir(ctx), ctx.record);
}

/** The distribution plan a configuration asks for. */
export function planFrom(
  config: SindriConfig | undefined,
  flags: { pruneShares?: boolean; force?: boolean; tags?: Record<string, string> } = {},
): DistributionPlan {
  const p = config?.providers.packer;
  const a = p?.alibaba;
  return {
    copyRegions: a?.image_copy_regions ?? [],
    shareAccounts: a?.image_share_accounts ?? [],
    pruneShares: flags.pruneShares ?? false,
    tags: { ...(p?.tags ?? {}), ...flags.tags },
    encrypted: a?.image_encrypted ?? false,
    kmsKeyId: a?.kms_key_id,
    kmsKeyIds: a?.kms_key_ids,
    retention: p?.retention && { keep: p.retention.keep, deleteAfterDays: p.retention.delete_after_days },
    force: flags.force ?? false,
    resourceGroupId: a?.resource_group_id,
    family: p?.image_family,
  };
}

/** Whether the plan has anything to do after the image exists. */
export function distributes(plan: DistributionPlan): boolean {
  return (
    plan.copyRegions.length > 0 ||
    plan.shareAccounts.length > 0 ||
    plan.pruneShares ||
    plan.encrypted ||
    (plan.retention !== undefined &&
      (plan.retention.keep !== undefined || plan.retention.deleteAfterDays !== undefined))
  );
}

/** The regions the image is copied to: the plan's, and the build region first when encrypting there. */
export function copyTargets(ctx: Pick<PipelineContext, 'plan' | 'record'>): string[] {
  const home = ctx.record.region;
  const regions = [...new Set(ctx.plan.copyRegions.filter((r) => r !== home))];
  if (ctx.record.regions[home]) regions.unshift(home);
  return regions.filter((r) => ctx.record.regions[r] !== undefined);
}

/** The build's flags. */
export interface BuildOptions {
  /** Replace an image of the same name, and ignore the cache. */
  force: boolean;
  onError: 'cleanup' | 'abort';
  varFiles: readonly string[];
  debug: boolean;
  sindriVersion: string;
  /** Redacted lines of packer's own log, with --debug. */
  log: (line: string) => void;
}

/** A pipeline that makes an image under a name that may be taken (build, capture). */
export interface NamingContext extends PipelineContext {
  readonly options: { readonly force: boolean };
  readonly work: { sameName: string[] };
}

/** What the test stage's steps hand on within one run. */
export interface TestWork {
  /** Where the test instance is reached, while it runs. */
  test?: { host: string; privateKey: string };
  /** remove-test-instance ran: the safety net does not try (and warn) again. */
  testRemovalTried?: boolean;
  /** What sindri made and could not remove: the command fails at its end (CleanupFailed). */
  leftovers: SweepOutcome[];
}

/** What the build's steps hand on within one run (the record keeps what must survive it). */
export interface BuildWork extends TestWork {
  rendered?: RenderedTemplate;
  /** The private directory the template is written to. */
  workDir?: string;
  /** Available images in the build region that already hold the image name. */
  sameName: string[];
  /** Calls RAM refused packer (seen through the API watch). */
  refusals: Refusal[];
  /** packer's reports of resources it failed to delete. */
  cleanupErrors: string[];
  /** remove-build-network ran: its clean-up does not try (and warn) again. */
  networkRemovalTried?: boolean;
}

export interface BuildContext extends NamingContext, TestingContext {
  readonly loaded: LoadedConfig;
  /** The configuration as loaded: no step changes it. */
  readonly config: Readonly<SindriConfig>;
  readonly packer: PackerBinary;
  readonly options: BuildOptions;
  readonly env: NodeJS.ProcessEnv;
  readonly work: BuildWork;
}

/** `sindri packer capture`'s flags. */
export interface CaptureOptions {
  instanceId: string;
  /** The image name; by default the instance's name and a timestamp. */
  name?: string | undefined;
  /** Stop the instance first (a clean image instead of a crash-consistent one). */
  stop: boolean;
  force: boolean;
  sindriVersion: string;
  /** How long each wait (stop, image) may take. */
  timeoutMs: number;
  pollInitialMs: number;
}

export interface CaptureContext extends NamingContext {
  readonly options: CaptureOptions;
  readonly userTags: Readonly<Record<string, string>>;
  readonly work: { sameName: string[]; stopped: boolean; instanceStatus?: string };
}

/** What the test stage needs: its checks, and how to start and reach an instance of the image. */
export interface TestSettings {
  tests: TestsConfig;
  /** Each installed extension's own check: [extension, command]. */
  extensionChecks: ReadonlyArray<[string, string]>;
  instanceType: string;
  sshUsername: string;
  sshPort: number;
  vswitchId?: string | undefined;
  securityGroupId?: string | undefined;
  vpcId?: string | undefined;
  zoneId?: string | undefined;
  /** 0 keeps the test instance private (sindri reaches it inside the VPC). */
  publicBandwidthMbps: number;
  /** How the checks reach the instance: SSH from outside, SSH inside the VPC (or through the bastion), or Cloud Assistant. */
  communicator: Communicator;
  bastion?: BastionConfig | undefined;
  sindriVersion: string;
  /** Where to write the JUnit XML and the SBOM, when asked (`--junit`, `--sbom`). */
  junitFile?: string | undefined;
  sbomFile?: string | undefined;
  /** Waits of the test instance (tests shorten them). */
  pollMs?: number | undefined;
}

export interface TestingContext extends PipelineContext {
  readonly testing: TestSettings;
  readonly work: TestWork;
}

/** Whether the test stage has anything to do. */
export function testsToRun(ctx: Pick<TestingContext, 'testing'>): boolean {
  const { tests, extensionChecks } = ctx.testing;
  if (!tests.enabled) return false;
  return tests.sbom || tests.checks.length > 0 || (tests.builtin && extensionChecks.length > 0);
}

/** The test stage's settings for a configuration: its `tests`, and how a build reaches instances. */
export function testSettingsFrom(
  config: SindriConfig,
  flags: { sindriVersion: string; junitFile?: string | undefined; sbomFile?: string | undefined },
): TestSettings {
  const p = config.providers.packer;
  const { checks } = catalogueNames();
  return {
    tests: flags.sbomFile ? { ...config.tests, sbom: true } : config.tests,
    extensionChecks: installedExtensions(config.extensions).flatMap((name): Array<[string, string]> => {
      const check = checks[name];
      return check ? [[name, check]] : [];
    }),
    instanceType: instanceTypes(p.alibaba)[0] as string,
    sshUsername: p.build.ssh_username,
    sshPort: p.build.ssh_port,
    vswitchId: p.alibaba.vswitch_id,
    securityGroupId: p.alibaba.security_group_id,
    vpcId: p.alibaba.vpc_id,
    zoneId: p.alibaba.zone_id,
    // Reached from where sindri runs, as packer reaches the build instance (a private address needs
    // sindri inside the VPC); ssh-private and cloud-assistant never give it a public address.
    publicBandwidthMbps: p.build.communicator === 'ssh' ? p.alibaba.internet_max_bandwidth_out || 10 : 0,
    communicator: p.build.communicator,
    bastion: p.build.bastion,
    ...flags,
  };
}
