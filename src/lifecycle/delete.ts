/**
 * `sindri packer delete`: find the images (and with --all-regions their copies), refuse what is
 * in use, confirm, unshare each image (a shared image cannot be deleted, Force or not), delete it
 * and then its snapshots. Safe to run again at any point.
 */

import { type CloudClients, CloudError } from '../cloud/index.ts';
import { openWorkspace, type Workspace } from '../config/workspace.ts';
import { ExitCode, SindriError } from '../errors.ts';
import { createLimiter, type Limiter, mapLimited } from '../images/limit.ts';
import { unshareAll } from '../images/share.ts';
import { type DeletePlan, type DeleteTarget, planDelete } from './delete-plan.ts';
import { DeleteJournal, type JournalEntry, journalPath } from './journal.ts';

export { type DeletePlan, type DeleteTarget, describePlan } from './delete-plan.ts';

export interface ImageOutcome {
  imageId: string;
  region: string;
  name: string;
  result: 'deleted' | 'already-deleted' | 'copy-cancelled';
  /** Accounts the image was shared with, unshared before the delete: they lost access. */
  unshared: string[];
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

/**
 * DeleteImage, its shares removed first: Force overrides only the instances using an image, and a
 * share added since the plan was made is removed on the `ImageUseShared` refusal, once.
 */
async function deleteImage(
  clients: CloudClients,
  t: DeleteTarget,
  opts: DeleteOptions,
  limit: Limiter,
  onUnshared: (accounts: string[]) => Promise<void>,
): Promise<void> {
  const unshare = async () => {
    const accounts = await unshareAll(clients, t.region, t.imageId, limit);
    if (accounts.length > 0) await onUnshared(accounts);
  };
  const call = () =>
    limit(() =>
      clients.call('ecs', 'DeleteImage', {
        regionId: t.region,
        imageId: t.imageId,
        force: opts.force === true,
      }),
    );
  if (t.sharedAccounts.length > 0) await unshare();
  try {
    await call();
  } catch (err) {
    if (codeOf(err) !== 'ImageUseShared') throw err;
    await unshare();
    await call();
  }
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
  const unshared: string[] = [];
  if (t.isCopy && (t.status === 'Creating' || t.status === 'Waiting')) {
    // A copy still in progress cannot be deleted; cancelling it removes it and its snapshots.
    await limit(() => clients.call('ecs', 'CancelCopyImage', { regionId: t.region, imageId: t.imageId }));
    result = 'copy-cancelled';
  } else {
    try {
      await deleteImage(clients, t, opts, limit, async (accounts) => {
        unshared.push(...accounts);
        entry.unshared = [...unshared];
        await journal.put(entry);
        opts.onProgress?.(`unshared ${t.imageId} (${t.region}) from ${accounts.join(', ')}`);
      });
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
      unshared,
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
  return { imageId: t.imageId, region: t.region, name: t.name, result, unshared, ...snaps };
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
    unshared: entry.unshared ?? [],
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
      actions: [
        plan.blockers.some((b) => b.includes('of family'))
          ? 'build a newer image into the family first, or pass --force to delete anyway'
          : 'delete or re-image the instances, or pass --force to delete anyway',
      ],
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
