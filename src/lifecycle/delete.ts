/**
 * `sindri packer delete`: find the images (and with --all-regions their copies), refuse what is
 * in use, confirm, delete each image and then its snapshots. Safe to run again at any point.
 */

import { type CloudClients, CloudError } from '../cloud/index.ts';
import { openWorkspace, type Workspace } from '../config/workspace.ts';
import { ExitCode, SindriError } from '../errors.ts';
import {
  describeRegionImages,
  findSelfImage,
  isManagedBySindri,
  type SdkImage,
  shareAccounts,
  toImageRow,
} from '../images/images.ts';
import { createLimiter, type Limiter, mapLimited } from '../images/limit.ts';
import { BUILD_ID_TAG, MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../images/tags.ts';
import { DeleteJournal, type JournalEntry, journalPath } from './journal.ts';

export interface DeleteTarget {
  imageId: string;
  region: string;
  name: string;
  status: string;
  isCopy: boolean;
  managed: boolean;
  buildId: string | undefined;
  snapshotIds: string[];
  sharedAccounts: string[];
  /** Instances in the image's region started from it. */
  usedBy: string[];
  /** Found as a copy of a requested image (--all-regions), not named on the command line. */
  viaBuildId: boolean;
}

export interface DeletePlan {
  targets: DeleteTarget[];
  /** Requested IDs that no longer exist but that sindri deleted before. */
  alreadyDeleted: JournalEntry[];
  /** Reasons the plan cannot run without --force. */
  blockers: string[];
}

export interface ImageOutcome {
  imageId: string;
  region: string;
  name: string;
  result: 'deleted' | 'already-deleted' | 'copy-cancelled';
  snapshotsDeleted: string[];
  /** Snapshots not deleted: --keep-snapshots, or still used by another image. */
  snapshotsKept: Array<{ snapshotId: string; reason: string }>;
}

export interface DeleteOptions {
  imageIds: string[];
  region?: string | undefined;
  allRegions?: boolean;
  force?: boolean;
  keepSnapshots?: boolean;
  concurrency?: number;
  /** Asked once, with the plan, unless force; return false to stop. */
  confirm?: (plan: DeletePlan) => Promise<boolean>;
  onProgress?: (line: string) => void;
  journalFile?: string;
}

export interface DeleteResult {
  images: ImageOutcome[];
  cancelled: boolean;
}

const NOT_FOUND = new Set(['InvalidImageId.NotFound', 'InvalidImageId.NotExist']);
const SNAPSHOT_GONE = new Set(['InvalidSnapshotId.NotFound', 'InvalidSnapshotId.NotExist']);

function codeOf(err: unknown): string | undefined {
  return err instanceof CloudError ? err.code : undefined;
}

function findImage(
  clients: CloudClients,
  region: string,
  imageId: string,
  limit: Limiter,
): Promise<SdkImage | undefined> {
  return limit(() => findSelfImage(clients, region, imageId));
}

async function instancesUsing(clients: CloudClients, region: string, imageId: string, limit: Limiter) {
  const ids: string[] = [];
  for (let pageNumber = 1; ; pageNumber++) {
    const body = await limit(() =>
      clients.call('ecs', 'DescribeInstances', { regionId: region, imageId, pageNumber, pageSize: 100 }),
    );
    const page = body.instances?.instance ?? [];
    for (const i of page)
      if (i.instanceId && (i.imageId === undefined || i.imageId === imageId)) ids.push(i.instanceId);
    if (page.length < 100 || ids.length >= (body.totalCount ?? 0)) return ids;
  }
}

async function toTarget(
  ctx: Workspace,
  region: string,
  image: SdkImage,
  viaBuildId: boolean,
  limit: Limiter,
): Promise<DeleteTarget> {
  const clients = await ctx.clients(region);
  const row = toImageRow(region, image);
  const shared =
    String(image.isSelfShared ?? '').toLowerCase() === 'true'
      ? await shareAccounts(clients, region, row.imageId, limit)
      : [];
  return {
    imageId: row.imageId,
    region,
    name: row.name,
    status: row.status,
    isCopy: row.isCopy,
    managed: isManagedBySindri(row.tags),
    buildId: row.buildId,
    snapshotIds: row.snapshotIds,
    sharedAccounts: shared,
    usedBy: await instancesUsing(clients, region, row.imageId, limit),
    viaBuildId,
  };
}

/** Everything that would be deleted, found without changing anything. */
export async function planDelete(
  ctx: Workspace,
  opts: DeleteOptions,
  journal: DeleteJournal,
  limit: Limiter,
): Promise<DeletePlan> {
  const home = ctx.region;
  const regions = opts.allRegions ? await ctx.allRegions() : [home];
  const found = new Map<string, { region: string; image: SdkImage; viaBuildId: boolean }>();
  const alreadyDeleted: JournalEntry[] = [];
  const unknown: string[] = [];
  const ids = [...new Set(opts.imageIds)];

  await mapLimited(ids, createLimiter(4), async (imageId) => {
    // The home region first; with --all-regions, then every other region.
    const order = [home, ...regions.filter((r) => r !== home)];
    let hit: { region: string; image: SdkImage } | undefined;
    const homeImage = await findImage(await ctx.clients(home), home, imageId, limit);
    if (homeImage) hit = { region: home, image: homeImage };
    else if (opts.allRegions) {
      const others = await Promise.all(
        order
          .slice(1)
          .map(async (r) => ({ region: r, image: await findImage(await ctx.clients(r), r, imageId, limit) })),
      );
      const h = others.find((o) => o.image);
      if (h?.image) hit = { region: h.region, image: h.image };
    }
    if (hit) {
      found.set(`${hit.region}|${imageId}`, { ...hit, viaBuildId: false });
      return;
    }
    const past = journal.find(imageId);
    if (past?.deletedAt) alreadyDeleted.push(past);
    else unknown.push(imageId);
  });

  if (unknown.length > 0) {
    const where = opts.allRegions ? 'in any region' : `in ${home}`;
    throw new SindriError(`No image ${unknown.join(', ')} ${where} owned by this account.`, {
      code: 'ImageNotFound',
      actions: [
        opts.allRegions
          ? 'check the ID with `sindri packer list --all-regions`'
          : 'check the ID and region with `sindri packer list --all-regions`, or pass --region / --all-regions',
      ],
    });
  }

  if (opts.allRegions) {
    // Copies share the build ID of the image they were copied from.
    const buildIds = new Set(
      [...found.values()]
        .map((f) => f.image.tags?.tag?.find((t) => t.tagKey === BUILD_ID_TAG)?.tagValue)
        .filter((b): b is string => !!b),
    );
    for (const buildId of buildIds) {
      const perRegion = await Promise.all(
        regions.map(async (r) => ({
          region: r,
          images: await describeRegionImages(await ctx.clients(r), r, limit, {
            tags: { [BUILD_ID_TAG]: buildId },
          }),
        })),
      );
      for (const { region, images } of perRegion) {
        for (const image of images) {
          const key = `${region}|${image.imageId}`;
          if (!found.has(key)) found.set(key, { region, image, viaBuildId: true });
        }
      }
    }
  }

  const targets = await Promise.all(
    [...found.values()].map((f) => toTarget(ctx, f.region, f.image, f.viaBuildId, limit)),
  );
  targets.sort((a, b) => a.region.localeCompare(b.region) || a.imageId.localeCompare(b.imageId));

  const blockers: string[] = [];
  for (const t of targets) {
    if (t.usedBy.length > 0)
      blockers.push(`${t.imageId} (${t.region}) is used by instance(s) ${t.usedBy.join(', ')}`);
    if (t.sharedAccounts.length > 0)
      blockers.push(`${t.imageId} (${t.region}) is shared with account(s) ${t.sharedAccounts.join(', ')}`);
    if (!t.managed)
      blockers.push(
        `${t.imageId} (${t.region}) was not built by sindri (no ${MANAGED_BY_KEY}=${MANAGED_BY_VALUE} tag)`,
      );
  }
  return { targets, alreadyDeleted, blockers };
}

/** Deletes snapshots; gone ones count as deleted, ones still backing another image are kept. */
async function deleteSnapshots(
  clients: CloudClients,
  snapshotIds: string[],
  limit: Limiter,
): Promise<Pick<ImageOutcome, 'snapshotsDeleted' | 'snapshotsKept'>> {
  const snapshotsDeleted: string[] = [];
  const snapshotsKept: ImageOutcome['snapshotsKept'] = [];
  for (const snapshotId of snapshotIds) {
    try {
      await limit(() => clients.call('ecs', 'DeleteSnapshot', { snapshotId }));
      snapshotsDeleted.push(snapshotId);
    } catch (err) {
      const code = codeOf(err);
      if (code && SNAPSHOT_GONE.has(code)) snapshotsDeleted.push(snapshotId);
      else if (code === 'SnapshotCreatedImage' || code === 'SnapshotCreatedDisk')
        snapshotsKept.push({ snapshotId, reason: `still used (${code})` });
      else throw err;
    }
  }
  return { snapshotsDeleted, snapshotsKept };
}

async function deleteOne(
  ctx: Workspace,
  t: DeleteTarget,
  opts: DeleteOptions,
  journal: DeleteJournal,
  limit: Limiter,
): Promise<ImageOutcome> {
  const clients = await ctx.clients(t.region);
  const entry: JournalEntry = {
    imageId: t.imageId,
    region: t.region,
    name: t.name,
    snapshotIds: t.snapshotIds,
    pendingSnapshots: opts.keepSnapshots ? [] : t.snapshotIds,
    startedAt: new Date().toISOString(),
  };
  // Recorded before the image goes, so an interrupted run still knows its snapshots.
  await journal.put(entry);
  let result: ImageOutcome['result'] = 'deleted';
  if (t.isCopy && (t.status === 'Creating' || t.status === 'Waiting')) {
    // A copy still in progress cannot be deleted; cancelling it removes it and its snapshots.
    await limit(() => clients.call('ecs', 'CancelCopyImage', { regionId: t.region, imageId: t.imageId }));
    result = 'copy-cancelled';
  } else {
    try {
      await limit(() =>
        clients.call('ecs', 'DeleteImage', {
          regionId: t.region,
          imageId: t.imageId,
          force: opts.force === true,
        }),
      );
    } catch (err) {
      const code = codeOf(err);
      if (!code || !NOT_FOUND.has(code)) throw err;
      result = 'already-deleted';
    }
  }
  await journal.put({ ...entry, deletedAt: new Date().toISOString() });
  opts.onProgress?.(`deleted image ${t.imageId} (${t.region})`);
  if (opts.keepSnapshots || result === 'copy-cancelled') {
    return {
      imageId: t.imageId,
      region: t.region,
      name: t.name,
      result,
      snapshotsDeleted: [],
      snapshotsKept: opts.keepSnapshots
        ? t.snapshotIds.map((snapshotId) => ({ snapshotId, reason: '--keep-snapshots' }))
        : [],
    };
  }
  const snaps = await deleteSnapshots(clients, t.snapshotIds, limit);
  await journal.put({
    ...entry,
    deletedAt: new Date().toISOString(),
    pendingSnapshots: snaps.snapshotsKept.map((s) => s.snapshotId),
  });
  for (const s of snaps.snapshotsDeleted) opts.onProgress?.(`deleted snapshot ${s} (${t.region})`);
  return { imageId: t.imageId, region: t.region, name: t.name, result, ...snaps };
}

/** A second run for an image already gone: finish the snapshots an interrupted run left behind. */
async function finishDeleted(
  ctx: Workspace,
  entry: JournalEntry,
  opts: DeleteOptions,
  journal: DeleteJournal,
  limit: Limiter,
): Promise<ImageOutcome> {
  const base = {
    imageId: entry.imageId,
    region: entry.region,
    name: entry.name,
    result: 'already-deleted' as const,
  };
  if (opts.keepSnapshots || entry.pendingSnapshots.length === 0) {
    return { ...base, snapshotsDeleted: [], snapshotsKept: [] };
  }
  const snaps = await deleteSnapshots(await ctx.clients(entry.region), entry.pendingSnapshots, limit);
  await journal.put({ ...entry, pendingSnapshots: snaps.snapshotsKept.map((s) => s.snapshotId) });
  return { ...base, ...snaps };
}

export async function deleteImages(ctx: Workspace, opts: DeleteOptions): Promise<DeleteResult> {
  const limit = createLimiter(opts.concurrency ?? 8);
  const journal = await DeleteJournal.open(opts.journalFile ?? journalPath());
  const plan = await planDelete(ctx, opts, journal, limit);
  if (plan.blockers.length > 0 && !opts.force) {
    throw new SindriError(`Refusing to delete:\n  - ${plan.blockers.join('\n  - ')}`, {
      code: plan.targets.some((t) => t.usedBy.length > 0) ? 'ImageInUse' : 'DeleteRefused',
      exitCode: ExitCode.failed,
      actions: ['delete or re-image the instances, unshare the image, or pass --force to delete anyway'],
    });
  }
  if (plan.targets.length > 0 && !opts.force && opts.confirm && !(await opts.confirm(plan))) {
    return { images: [], cancelled: true };
  }
  const images: ImageOutcome[] = [];
  for (const entry of plan.alreadyDeleted) images.push(await finishDeleted(ctx, entry, opts, journal, limit));
  images.push(
    ...(await mapLimited(plan.targets, createLimiter(4), (t) => deleteOne(ctx, t, opts, journal, limit))),
  );
  return { images, cancelled: false };
}

export interface RunDeleteOptions extends DeleteOptions {
  configPath?: string | undefined;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export async function runDelete(opts: RunDeleteOptions): Promise<DeleteResult> {
  const ctx = await openWorkspace(opts);
  return deleteImages(ctx, { ...opts, journalFile: opts.journalFile ?? journalPath(opts.env) });
}

/** The question asked before deleting, with what will go. */
export function describePlan(plan: DeletePlan, keepSnapshots: boolean): string {
  const lines = plan.targets.map((t) => {
    const snaps = keepSnapshots ? 'snapshots kept' : `${t.snapshotIds.length} snapshot(s)`;
    const copy = t.viaBuildId ? ', copy' : '';
    return `  ${t.imageId}  ${t.name}  ${t.region}  ${t.status}${copy}  (${snaps})`;
  });
  const snapshots = keepSnapshots ? 0 : plan.targets.reduce((n, t) => n + t.snapshotIds.length, 0);
  return `${lines.join('\n')}\nDelete ${plan.targets.length} image(s)${snapshots ? ` and ${snapshots} snapshot(s)` : ''}?`;
}
