/**
 * The build record: the one state every pipeline step reads and writes, persisted after each step so
 * that an interrupted build, capture or distribution resumes where it stopped. Holds no credentials.
 * What a pipeline reports from it is record-summary.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BaseImage } from '../images/ancestry.ts';
import type { CheckResult } from '../images/checks.ts';
import type { Candidate } from '../images/placement.ts';
import type { RetentionOutcome } from '../images/retention.ts';
import type { ShareState } from '../images/share.ts';
import type { TestResources } from '../images/test-instance.ts';

export type RegionState = 'pending' | 'copying' | 'available' | 'failed';

export interface RegionRecord {
  state: RegionState;
  /** The ClientToken of this region's CopyImage, reused on resume so no second copy is made. */
  clientToken?: string;
  imageId?: string;
  error?: string;
  /** An encrypted copy, and the KMS key it was made with ('' for the default service key). */
  encrypted?: boolean;
  kmsKeyId?: string;
  /** Status polls the last wait on this copy took. */
  polls?: number;
}

/** Where the post-build distribution stands. */
export interface DistributionState {
  /** The image packer built. With encryption it is the unencrypted intermediate. */
  sourceImageId: string;
  /** Its tags (but the cloud's own `acs:` ones), which every copy carries too. */
  sourceTags?: Record<string, string>;
  /** The intermediate was deleted once every encrypted copy was Available. */
  sourceDeleted?: boolean;
  /** Why the unencrypted intermediate is still there. */
  sourceKept?: string;
  shares?: Record<string, ShareState>;
  retention?: RetentionOutcome;
}

/** An image sindri removed every share of (a shared image can be neither deleted nor deprecated). */
export interface UnsharedImage {
  region: string;
  imageId: string;
  /** The accounts that lost access. */
  accounts: string[];
  /** What sindri did to the image: `replaced (--force)`, `deprecated`, `deleted`. */
  reason: string;
}

export interface FamilyState {
  name: string;
  /** Region → the image that joined (or the error that stopped it). */
  regions: Record<string, { imageId: string; error?: string }>;
}

/** `preflight` until the cache is decided: a record in preflight is never saved. */
export type BuildStatus =
  | 'preflight'
  | 'building'
  | 'built'
  | 'distributing'
  | 'done'
  | 'failed'
  | 'interrupted';

export interface BuildRecord {
  buildId: string;
  configFile: string;
  configHash: string;
  imageName: string;
  region: string;
  startedAt: string;
  finishedAt?: string;
  status: BuildStatus;
  cached: boolean;
  imageId?: string;
  /** The VPC of a configured VSwitch, looked up before the build (the builder needs both). */
  vpcId?: string;
  /** The instance a captured image was made from. */
  capturedFrom?: string;
  /** `--force` over an existing name: the new image is built under a staging name and takes it at the end. */
  replacement?: Replacement;
  /** The test stage: what it started (removed again), each check's result, the SBOM. */
  test?: TestRecord;
  /** The image the build started from, looked up before packer runs (recorded on the image). */
  base?: BaseImage;
  /** The image family every finished image joins, and where it did. */
  family?: FamilyState;
  /** Where the build instance may start, what was tried and what it started on. */
  placement?: PlacementRecord;
  /** The network sindri made for a cloud-assistant build (removed once packer is done). */
  network?: BuildNetwork;
  /** Images `--force` deleted to free the name (with their copies). */
  replaced?: string[];
  /** Images sindri stopped sharing before deleting them (the accounts lost access). */
  unshared?: UnsharedImage[];
  regions: Record<string, RegionRecord>;
  phases: Array<{ name: string; seconds: number }>;
  distribution?: DistributionState;
}

/**
 * A replacement in flight. An interrupt at any moment leaves a usable image: the old one holds the
 * name until the new one is done everywhere, gives it up (renamed) just before the new one takes
 * it, and is deleted last.
 */
export interface Replacement {
  /** The configured name, which the new image takes. */
  name: string;
  /** The name old images carry between giving theirs up and being deleted. */
  retiredName: string;
  /** Old images renamed to `retiredName`, still to delete. */
  retired: Array<{ region: string; imageId: string }>;
  done?: boolean;
}

/** A launch packer could not make for want of capacity (the build moved on to the next candidate). */
export interface LaunchAttempt {
  instanceType: string;
  /** '' when packer chose the zone. */
  zoneId: string;
  code: string;
}

export interface PlacementRecord {
  /** Best first. */
  candidates: Candidate[];
  /** Launches that failed for want of capacity, in order. */
  attempts: LaunchAttempt[];
  /** What the image was built on. */
  chosen?: { instanceType: string; zoneId: string };
}

/** A cloud-assistant build's own network: no inbound rule, named `sindri-<build ID>`. */
export interface BuildNetwork {
  vpcId?: string;
  /** Zone → VSwitch. */
  vswitches: Record<string, string>;
  securityGroupId?: string;
  /** Set once every part is deleted. */
  removed?: boolean;
}

export interface TestRecord {
  /** What was made for the test instance and not yet removed. */
  resources: TestResources;
  results?: CheckResult[];
  passed?: boolean;
  sbom?: { digest: string; packages: number; file: string };
}

/** Names within the 128 characters of an image name: `<name>-<tag>-<6 hex of the build ID>`. */
export function derivedName(name: string, tag: string, buildId: string): string {
  const suffix = `-${tag}-${buildId.slice(-6)}`;
  return `${name.slice(0, 128 - suffix.length)}${suffix}`;
}

export function newBuildId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

export function newRecord(
  fields: Pick<BuildRecord, 'buildId' | 'configFile' | 'configHash' | 'imageName' | 'region'> &
    Partial<BuildRecord>,
): BuildRecord {
  return {
    startedAt: new Date().toISOString(),
    status: 'building',
    cached: false,
    regions: {},
    phases: [],
    ...fields,
  };
}

/**
 * Region → image ID of every finished image: the build region's first, then each available copy.
 * With encryption, the build region's image is its encrypted copy, once that is available.
 */
export function finishedImages(record: BuildRecord): Record<string, string> {
  const images: Record<string, string> = {};
  if (record.imageId && !record.regions[record.region]) images[record.region] = record.imageId;
  for (const [region, entry] of Object.entries(record.regions))
    if (entry.state === 'available' && entry.imageId) images[region] = entry.imageId;
  return images;
}

/** Whether an image belongs to a record: the build's image, its intermediate, or one of its copies. */
export function recordHasImage(record: BuildRecord, imageId: string): boolean {
  return (
    record.imageId === imageId ||
    record.distribution?.sourceImageId === imageId ||
    Object.values(record.regions).some((r) => r.imageId === imageId)
  );
}

/**
 * Every problem that fails the distribution: failed copies, shares and family joins. Retention's problems are
 * warnings (the images it could not retire are skipped with a reason): they never fail a build.
 */
export function distributionErrors(record: BuildRecord): string[] {
  const errors: string[] = [];
  for (const [region, entry] of Object.entries(record.regions))
    if (entry.state === 'failed') errors.push(`${region}: copy failed: ${entry.error ?? 'unknown error'}`);
  const d = record.distribution;
  for (const [region, share] of Object.entries(d?.shares ?? {}))
    if (share.error) errors.push(`${region}: sharing failed: ${share.error}`);
  for (const [region, entry] of Object.entries(record.family?.regions ?? {}))
    if (entry.error) errors.push(`${region}: joining family ${record.family?.name} failed: ${entry.error}`);
  return errors;
}

export function buildDir(configDir: string, buildId: string): string {
  return join(configDir, '.sindri', 'builds', buildId);
}

const pending = new Map<string, Promise<void>>();

/**
 * Writes the record atomically. Saves of one directory are queued, so parallel steps (one per region)
 * never interleave and the file always ends with the latest state.
 */
export function saveRecord(dir: string, record: BuildRecord): Promise<void> {
  const snapshot = `${JSON.stringify(record, null, 2)}\n`;
  const write = async () => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, 'record.json');
    const tmp = `${file}.tmp`;
    await writeFile(tmp, snapshot, { mode: 0o600 });
    await rename(tmp, file);
  };
  const next = (pending.get(dir) ?? Promise.resolve()).then(write, write);
  pending.set(dir, next);
  return next;
}

export async function loadRecord(dir: string): Promise<BuildRecord> {
  return JSON.parse(await readFile(join(dir, 'record.json'), 'utf8')) as BuildRecord;
}

/** The saved record of a build, when there is one and it is about this image. */
export async function savedRecord(
  configDir: string,
  buildId: string,
  imageId: string,
): Promise<BuildRecord | undefined> {
  try {
    const record = await loadRecord(buildDir(configDir, buildId));
    return record.buildId === buildId && recordHasImage(record, imageId) ? record : undefined;
  } catch {
    return undefined;
  }
}
