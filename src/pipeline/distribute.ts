import type { CloudClients } from '../cloud/index.ts';
import { newClientToken, waitFor } from '../cloud/index.ts';
import type { BuildRecord, RegionRecord } from './record.ts';

export interface DistributeOptions {
  clients: CloudClients;
  record: BuildRecord;
  copyRegions: string[];
  shareAccounts: string[];
  tags: Record<string, string>;
  kmsKeyId?: string;
  encrypted: boolean;
  /** Persists the record after every state change, so an interruption loses nothing. */
  save: (record: BuildRecord) => Promise<void>;
  onProgress?: (text: string) => void;
  signal?: AbortSignal;
  concurrency?: number;
  copyDeadlineMs?: number;
}

type EcsImage = { ImageId?: string; imageId?: string; Status?: string; status?: string; progress?: string };

async function findImage(
  clients: CloudClients,
  region: string,
  filter: { imageId?: string; tags?: Record<string, string> },
): Promise<{ imageId: string; status: string; progress?: string } | undefined> {
  const body = await clients.call('ecs', 'DescribeImages', {
    regionId: region,
    imageOwnerAlias: 'self',
    ...(filter.imageId ? { imageId: filter.imageId } : {}),
    ...(filter.tags ? { tag: Object.entries(filter.tags).map(([key, value]) => ({ key, value })) } : {}),
    status: 'Creating,Available,UnAvailable,CreateFailed',
    pageSize: 10,
  } as never);
  const images = ((body as { images?: { image?: EcsImage[] } }).images?.image ?? []) as EcsImage[];
  const first = images[0];
  if (!first) return undefined;
  return {
    imageId: (first.imageId ?? first.ImageId) as string,
    status: (first.status ?? first.Status) as string,
    ...(first.progress ? { progress: first.progress } : {}),
  };
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++] as T);
  });
  await Promise.all(workers);
}

/**
 * Copies the built image to every copy region in parallel and shares it in every region it lives in.
 * Resumable: a region already Available is skipped; a copy in flight is found again by its build tag
 * (and otherwise re-requested with the same ClientToken), so no region ever gets two copies.
 */
export async function distribute(opts: DistributeOptions): Promise<BuildRecord> {
  const { clients, record } = opts;
  const sourceImage = record.imageId;
  if (!sourceImage) throw new Error('distribute: the build record has no image');
  const say = opts.onProgress ?? (() => {});
  for (const region of opts.copyRegions) record.regions[region] ??= { state: 'pending' };
  record.status = 'distributing';
  await opts.save(record);

  const copyOne = async (region: string) => {
    const entry = record.regions[region] as RegionRecord;
    if (entry.state === 'available' && entry.imageId) return;
    try {
      let found = await findImage(clients, region, { tags: { 'sindri:build-id': record.buildId } });
      if (!found) {
        entry.clientToken ??= newClientToken();
        entry.state = 'copying';
        await opts.save(record);
        const tags = { ...opts.tags, 'sindri:source-image': sourceImage };
        const body = (await clients.call(
          'ecs',
          'CopyImage',
          {
            regionId: record.region,
            imageId: sourceImage,
            destinationRegionId: region,
            destinationImageName: record.imageName,
            encrypted: opts.encrypted,
            ...(opts.kmsKeyId ? { KMSKeyId: opts.kmsKeyId } : {}),
            tag: Object.entries(tags).map(([key, value]) => ({ key, value })),
          } as never,
          { clientToken: entry.clientToken, signal: opts.signal },
        )) as { imageId?: string };
        found = { imageId: body.imageId as string, status: 'Creating' };
      }
      entry.imageId = found.imageId;
      entry.state = 'copying';
      await opts.save(record);
      say(`${region}: copying ${sourceImage} → ${found.imageId}`);
      const imageId = found.imageId;
      await waitFor({
        poll: () => findImage(clients, region, { imageId }),
        isDone: (img) => img?.status === 'Available',
        failed: (img) => (img?.status === 'CreateFailed' ? `copy to ${region} failed` : undefined),
        deadlineMs: opts.copyDeadlineMs ?? 2 * 60 * 60 * 1000,
        initialDelayMs: 200,
        maxDelayMs: 15_000,
        what: `image ${imageId} in ${region} to become Available`,
        ...(opts.signal ? { signal: opts.signal } : {}),
        onProgress: (p) => {
          if (p.value?.progress) say(`${region}: ${p.value.progress}`);
        },
      });
      entry.state = 'available';
      delete entry.error;
      await opts.save(record);
      say(`${region}: ${imageId} available`);
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      entry.state = 'failed';
      entry.error = err instanceof Error ? err.message : String(err);
      await opts.save(record);
      say(`${region}: failed: ${entry.error}`);
    }
  };
  await mapLimit(opts.copyRegions, opts.concurrency ?? 4, copyOne);

  if (opts.shareAccounts.length > 0) {
    const homes: Array<[string, string]> = [[record.region, sourceImage]];
    for (const [region, entry] of Object.entries(record.regions)) {
      if (entry.state === 'available' && entry.imageId) homes.push([region, entry.imageId]);
    }
    for (const [region, imageId] of homes) {
      const shared = await shareImage(clients, region, imageId, opts.shareAccounts);
      if (region !== record.region) (record.regions[region] as RegionRecord).shared = shared;
      say(`${region}: shared ${imageId} with ${shared.join(', ')}`);
    }
  }
  record.status = Object.values(record.regions).some((r) => r.state === 'failed') ? 'failed' : 'done';
  await opts.save(record);
  return record;
}

/** Adds the missing accounts, then reads the permission back; returns the accounts verified. */
async function shareImage(clients: CloudClients, region: string, imageId: string, accounts: string[]) {
  const current = await sharedAccounts(clients, region, imageId);
  const missing = accounts.filter((a) => !current.includes(a));
  if (missing.length > 0) {
    await clients.call('ecs', 'ModifyImageSharePermission', {
      regionId: region,
      imageId,
      addAccount: missing,
    } as never);
  }
  const after = await sharedAccounts(clients, region, imageId);
  const absent = accounts.filter((a) => !after.includes(a));
  if (absent.length > 0)
    throw new Error(`sharing ${imageId} in ${region} did not take effect for ${absent.join(', ')}`);
  return accounts;
}

async function sharedAccounts(clients: CloudClients, region: string, imageId: string): Promise<string[]> {
  const accounts: string[] = [];
  for (let page = 1; ; page++) {
    const body = (await clients.call('ecs', 'DescribeImageSharePermission', {
      regionId: region,
      imageId,
      pageNumber: page,
      pageSize: 100,
    } as never)) as { accounts?: { account?: Array<{ aliyunId?: string }> }; totalCount?: number };
    const list = body.accounts?.account ?? [];
    for (const a of list) if (a.aliyunId) accounts.push(a.aliyunId);
    if (list.length < 100 || accounts.length >= (body.totalCount ?? 0)) return accounts;
  }
}
