/**
 * Post-build distribution: encrypted copy in the build region, copies to every copy region (in
 * parallel, waited on), sharing, retention. Every step is written to the build record before and
 * after it happens, so a run that stops anywhere continues where it stopped and never makes a second
 * copy in a region.
 */
import { type Clock, type CloudClients, CloudError, newClientToken, realClock } from '../cloud/index.ts';
import { describeRegionImages, findSelfImage, type SdkImage, shareAccounts } from '../lifecycle/images.ts';
import { createLimiter, type Limiter } from '../lifecycle/limit.ts';
import { BUILD_ID_TAG, MANAGED_BY_KEY, MANAGED_BY_VALUE } from '../lifecycle/tags.ts';
import { waitForCopy } from './distribution-wait.ts';
import type { BuildRecord, RegionRecord } from './record.ts';
import {
  applyRetention,
  deleteWithSnapshots,
  type RetentionOutcome,
  type RetentionPolicy,
} from './retention.ts';

/** On every copy: the image packer built, which all copies of one build come from. */
export const SOURCE_IMAGE_TAG = 'sindri:source-image';
/** ModifyImageSharePermission takes at most this many accounts to add (and to remove) per call. */
export const SHARE_BATCH = 10;
export const DEFAULT_COPY_CONCURRENCY = 8;
const API_CONCURRENCY = 16;

export interface ShareState {
  imageId: string;
  /** Accounts the image is shared with, read back after the change. */
  accounts: string[];
  /** Accounts removed by --prune-shares. */
  removed: string[];
  error?: string;
}

export interface DistributionState {
  /** The image packer built. With encryption it is the unencrypted intermediate. */
  sourceImageId: string;
  /** The intermediate was deleted once every encrypted copy was Available. */
  sourceDeleted?: boolean;
  /** Why the unencrypted intermediate is still there. */
  sourceKept?: string;
  shares?: Record<string, ShareState>;
  retention?: RetentionOutcome;
}

export interface DistributeOptions {
  /** Clients of the build region; used for every region unless `clientsFor` is given. */
  clients: CloudClients;
  clientsFor?: (region: string) => Promise<CloudClients>;
  record: BuildRecord;
  copyRegions: string[];
  shareAccounts: string[];
  /** Remove accounts the image is shared with that are no longer listed. */
  pruneShares?: boolean;
  /** Tags of every copy (ManagedBy and the build ID are always added). */
  tags: Record<string, string>;
  /** The KMS key of every region not in `kmsKeyIds` (unset: the default service key). */
  kmsKeyId?: string;
  /** Region → KMS key (KMS keys are regional). */
  kmsKeyIds?: Record<string, string>;
  encrypted: boolean;
  retention?: RetentionPolicy | undefined;
  /** Retention may deprecate and delete images that instances use or that are shared. */
  force?: boolean;
  /** Persists the record after every state change, so an interruption loses nothing. */
  save: (record: BuildRecord) => Promise<void>;
  onProgress?: (text: string) => void;
  signal?: AbortSignal;
  /** Copies in flight at once (default 8). */
  concurrency?: number;
  copyDeadlineMs?: number;
  /** Bounds of the delay between polls of a copy (defaults 1 s and 30 s). */
  pollMinDelayMs?: number;
  pollMaxDelayMs?: number;
  clock?: Clock;
  /** Clock time for retention's age limit (default now). */
  now?: number;
}

type Image = SdkImage & { progress?: string; usage?: string };

export function isEncrypted(image: SdkImage): boolean {
  const mappings = image.diskDeviceMappings?.diskDeviceMapping ?? [];
  return (
    mappings.length > 0 &&
    mappings.every((m) => m.encrypted === true || String(m.encrypted).toLowerCase() === 'true')
  );
}

async function describeImage(
  clients: CloudClients,
  region: string,
  imageId: string,
): Promise<Image | undefined> {
  return (await findSelfImage(clients, region, imageId)) as Image | undefined;
}

function message(err: unknown): string {
  if (err instanceof CloudError) return err.summary();
  return err instanceof Error ? err.message : String(err);
}

/** The actions RAM refused, from errors recorded by `message` (`… (may not call ecs:CopyImage): …`). */
export function deniedActionsIn(errors: readonly string[]): string[] {
  return [
    ...new Set(
      errors.flatMap((e) => [...e.matchAll(/may not call ([\w-]+:\w+)/g)].map((m) => m[1] as string)),
    ),
  ];
}

function batches<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Every problem the record holds: failed copies, shares, the intermediate's clean-up, retention. */
export function distributionErrors(record: BuildRecord): string[] {
  const errors: string[] = [];
  for (const [region, entry] of Object.entries(record.regions))
    if (entry.state === 'failed') errors.push(`${region}: copy failed: ${entry.error ?? 'unknown error'}`);
  const d = record.distribution;
  for (const [region, share] of Object.entries(d?.shares ?? {}))
    if (share.error) errors.push(`${region}: sharing failed: ${share.error}`);
  if (d?.retention?.error) errors.push(`retention failed: ${d.retention.error}`);
  return errors;
}

/** The region → image ID of every finished image of the build (the build region's final image first). */
export function distributedImages(record: BuildRecord): Record<string, string> {
  const images: Record<string, string> = {};
  if (record.imageId) images[record.region] = record.imageId;
  for (const [region, entry] of Object.entries(record.regions))
    if (entry.state === 'available' && entry.imageId) images[region] = entry.imageId;
  return images;
}

export async function distribute(opts: DistributeOptions): Promise<BuildRecord> {
  const { record } = opts;
  if (!record.imageId) throw new Error('distribute: the build record has no image');
  const clock = opts.clock ?? realClock;
  const say = opts.onProgress ?? (() => {});
  const clientsFor = opts.clientsFor ?? (async () => opts.clients);
  const api = createLimiter(API_CONCURRENCY);
  const home = record.region;
  record.distribution ??= { sourceImageId: record.imageId };
  const state: DistributionState = record.distribution;
  const buildClients = await clientsFor(home);

  // The image packer built (or, once deleted, the encrypted image that replaced it).
  const source = state.sourceDeleted
    ? undefined
    : await describeImage(buildClients, home, state.sourceImageId);
  if (!source && !state.sourceDeleted) {
    throw new CloudError({
      code: 'InvalidImageId.NotFound',
      message: `the image ${state.sourceImageId} to distribute does not exist in ${home}`,
    });
  }
  const sourceEncrypted = source ? isEncrypted(source) : true;
  const encryptHere = opts.encrypted && !sourceEncrypted;
  const copyFrom = source ? state.sourceImageId : (record.regions[home]?.imageId ?? record.imageId);
  const targets = [...new Set(opts.copyRegions.filter((r) => r !== home))];
  if (encryptHere) targets.unshift(home);
  for (const region of targets) record.regions[region] ??= { state: 'pending' };
  record.status = 'distributing';
  await opts.save(record);

  const tags: Record<string, string> = {
    ...opts.tags,
    [MANAGED_BY_KEY]: MANAGED_BY_VALUE,
    [BUILD_ID_TAG]: record.buildId,
    [SOURCE_IMAGE_TAG]: state.sourceImageId,
  };
  const notCopies = new Set([state.sourceImageId, copyFrom]);

  if (encryptHere && source && source.imageName === record.imageName) {
    // Names are unique per region: the intermediate gives its name up to the encrypted image.
    const renamed = `${record.imageName.slice(0, 128 - '-unencrypted'.length)}-unencrypted`;
    await buildClients.call('ecs', 'ModifyImageAttribute', {
      regionId: home,
      imageId: state.sourceImageId,
      imageName: renamed,
    });
    say(`${home}: renamed the unencrypted ${state.sourceImageId} to ${renamed}`);
  }

  const kmsKeyOf = (region: string) => opts.kmsKeyIds?.[region] ?? opts.kmsKeyId;

  const copyOne = async (region: string) => {
    const entry = record.regions[region] as RegionRecord;
    const clients = await clientsFor(region);
    try {
      if (entry.state === 'available' && entry.imageId) {
        const img = await describeImage(clients, region, entry.imageId);
        if (img && (img.status === 'Available' || img.status === 'Deprecated')) {
          say(`${region}: ${entry.imageId} already available`);
          return;
        }
        say(`${region}: ${entry.imageId} is gone; copying again`);
        delete entry.imageId;
        delete entry.clientToken;
        entry.state = 'pending';
      }
      // A copy made before (this run's record may not know it): find it by the build's tag.
      const found = (
        await describeRegionImages(clients, region, api, { tags: { [BUILD_ID_TAG]: record.buildId } })
      ).filter((i) => i.imageId && !notCopies.has(i.imageId) && (region !== home || isEncrypted(i)));
      const broken = found.filter((i) => i.status === 'CreateFailed');
      const live = found.filter((i) => i.status !== 'CreateFailed');
      for (const img of broken) {
        say(`${region}: removing the failed copy ${img.imageId}`);
        await deleteWithSnapshots(clients, region, img, false, api).catch(() => {});
        if (entry.imageId === img.imageId) delete entry.imageId;
      }
      let imageId = live.find((i) => i.imageId === entry.imageId)?.imageId ?? live[0]?.imageId;
      let requestedAt: number | undefined;
      if (!imageId) {
        // Not found by tag: the stored ClientToken makes a repeated request return the same copy.
        if (broken.length > 0) delete entry.clientToken;
        entry.clientToken ??= newClientToken();
        entry.state = 'copying';
        await opts.save(record);
        requestedAt = clock.now();
        const body = await buildClients.call(
          'ecs',
          'CopyImage',
          {
            regionId: home,
            imageId: copyFrom,
            destinationRegionId: region,
            destinationImageName: record.imageName,
            ...(opts.encrypted ? { encrypted: true } : {}),
            ...(opts.encrypted && kmsKeyOf(region) ? { KMSKeyId: kmsKeyOf(region) } : {}),
            // Plain objects: the SDK model serialises them as Tag.N.Key / Tag.N.Value.
            tag: Object.entries(tags).map(([key, value]) => ({ key, value })) as never,
          },
          { clientToken: entry.clientToken, ...(opts.signal ? { signal: opts.signal } : {}) },
        );
        imageId = body.imageId as string;
        say(`${region}: copying ${copyFrom} → ${imageId}${opts.encrypted ? ' (encrypted)' : ''}`);
      } else {
        say(`${region}: found the copy ${imageId}; waiting for it`);
      }
      entry.imageId = imageId;
      entry.state = 'copying';
      if (opts.encrypted) {
        entry.encrypted = true;
        entry.kmsKeyId = kmsKeyOf(region) ?? '';
      }
      await opts.save(record);
      const id = imageId;
      let lastShown = -1;
      const waited = await waitForCopy({
        poll: async () => {
          const img = await describeImage(clients, region, id);
          return { status: img?.status, progress: img?.progress };
        },
        requestedAt,
        minDelayMs: opts.pollMinDelayMs,
        maxDelayMs: opts.pollMaxDelayMs,
        deadlineMs: opts.copyDeadlineMs ?? 6 * 60 * 60 * 1000,
        clock,
        signal: opts.signal,
        what: `image ${id} in ${region}`,
        onProgress: (percent) => {
          if (percent !== undefined && percent >= lastShown + 10) {
            lastShown = percent;
            say(`${region}: ${id} ${percent}%`);
          }
        },
      });
      entry.polls = waited.polls;
      if (waited.status === 'Available') {
        entry.state = 'available';
        delete entry.error;
        say(`${region}: ${id} available (${waited.polls} polls)`);
      } else {
        entry.state = 'failed';
        entry.error =
          waited.status === 'missing'
            ? `the copy ${id} disappeared (cancelled or deleted)`
            : `the copy ${id} ended CreateFailed`;
        // A new attempt needs a new token: the old one would return the failed copy.
        delete entry.clientToken;
        say(`${region}: failed: ${entry.error}`);
      }
      await opts.save(record);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      entry.state = 'failed';
      entry.error = message(err);
      await opts.save(record);
      say(`${region}: failed: ${entry.error}`);
    }
  };
  const copyLimit = createLimiter(Math.max(1, opts.concurrency ?? DEFAULT_COPY_CONCURRENCY));
  await Promise.all(targets.map((region) => copyLimit(() => copyOne(region))));
  // Sharing and retention calls do not watch the signal: stop between the steps instead of carrying on.
  const stopIfAborted = () => {
    if (opts.signal?.aborted)
      throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('aborted');
  };
  stopIfAborted();

  // With encryption, the build region's image is the encrypted copy; the intermediate goes once every
  // copy is there (until then a resume may still need it).
  const homeEntry = record.regions[home];
  const homeFinal =
    encryptHere || state.sourceDeleted
      ? homeEntry?.state === 'available'
        ? homeEntry.imageId
        : undefined
      : record.imageId;
  if (encryptHere && source) {
    const pending = targets.filter((r) => record.regions[r]?.state !== 'available');
    if (pending.length === 0 && homeFinal) {
      try {
        await deleteWithSnapshots(buildClients, home, source, false, api);
        state.sourceDeleted = true;
        delete state.sourceKept;
        record.imageId = homeFinal;
        say(`${home}: deleted the unencrypted intermediate ${state.sourceImageId}`);
      } catch (err) {
        state.sourceKept = `could not delete the unencrypted ${state.sourceImageId}: ${message(err)}`;
      }
    } else {
      state.sourceKept = `kept the unencrypted ${state.sourceImageId} until every copy succeeds (${pending.join(', ')})`;
    }
    await opts.save(record);
  }

  const homes: Array<[string, string]> = [];
  if (homeFinal) homes.push([home, homeFinal]);
  for (const region of targets) {
    const entry = record.regions[region];
    if (region !== home && entry?.state === 'available' && entry.imageId) homes.push([region, entry.imageId]);
  }

  if (opts.shareAccounts.length > 0 || opts.pruneShares) {
    state.shares ??= {};
    const shares = state.shares;
    await Promise.all(
      homes.map(async ([region, imageId]) => {
        try {
          const clients = await clientsFor(region);
          shares[region] = await shareImage(
            clients,
            region,
            imageId,
            opts.shareAccounts,
            !!opts.pruneShares,
            api,
          );
          const removed = shares[region].removed;
          say(
            `${region}: ${imageId} shared with ${opts.shareAccounts.join(', ') || 'nobody'} (verified)${removed.length > 0 ? `; removed ${removed.join(', ')}` : ''}`,
          );
        } catch (err) {
          if (opts.signal?.aborted) throw err;
          shares[region] = { imageId, accounts: [], removed: [], error: message(err) };
          say(`${region}: sharing failed: ${message(err)}`);
        }
      }),
    );
    await opts.save(record);
  }

  stopIfAborted();
  if (opts.retention && (opts.retention.keep !== undefined || opts.retention.deleteAfterDays !== undefined)) {
    const exclude = new Set<string>([state.sourceImageId, ...homes.map(([, id]) => id)]);
    for (const entry of Object.values(record.regions)) if (entry.imageId) exclude.add(entry.imageId);
    try {
      state.retention = await applyRetention({
        clientsFor,
        regions: homes.map(([r]) => r),
        imageName: record.imageName,
        buildId: record.buildId,
        exclude,
        policy: opts.retention,
        force: !!opts.force,
        now: opts.now ?? Date.now(),
        limit: api,
        onProgress: say,
      });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      state.retention = { actions: [], error: message(err) };
    }
  }

  stopIfAborted();
  record.status = distributionErrors(record).length > 0 ? 'failed' : 'done';
  await opts.save(record);
  return record;
}

/**
 * Adds the missing accounts (and with `prune` removes the others), at most 10 per call, then reads
 * the permission back. Running it again changes nothing.
 */
export async function shareImage(
  clients: CloudClients,
  region: string,
  imageId: string,
  accounts: string[],
  prune: boolean,
  limit: Limiter,
): Promise<ShareState> {
  const current = await shareAccounts(clients, region, imageId, limit);
  const add = accounts.filter((a) => !current.includes(a));
  const remove = prune ? current.filter((a) => !accounts.includes(a)) : [];
  const addBatches = batches(add, SHARE_BATCH);
  const removeBatches = batches(remove, SHARE_BATCH);
  for (let i = 0; i < Math.max(addBatches.length, removeBatches.length); i++) {
    const addAccount = addBatches[i] ?? [];
    const removeAccount = removeBatches[i] ?? [];
    await limit(() =>
      clients.call('ecs', 'ModifyImageSharePermission', {
        regionId: region,
        imageId,
        ...(addAccount.length > 0 ? { addAccount } : {}),
        ...(removeAccount.length > 0 ? { removeAccount } : {}),
      }),
    );
  }
  const after = await shareAccounts(clients, region, imageId, limit);
  const absent = accounts.filter((a) => !after.includes(a));
  const lingering = remove.filter((a) => after.includes(a));
  if (absent.length > 0 || lingering.length > 0) {
    throw new CloudError({
      code: 'ShareNotVerified',
      message: `sharing ${imageId} in ${region} did not take effect${absent.length > 0 ? `: not shared with ${absent.join(', ')}` : ''}${lingering.length > 0 ? `: still shared with ${lingering.join(', ')}` : ''}`,
    });
  }
  return { imageId, accounts: accounts.filter((a) => after.includes(a)), removed: remove };
}
