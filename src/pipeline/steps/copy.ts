/**
 * Copies the image to every region of the record, in parallel, and waits for each. A copy made
 * before (a resumed run whose record does not know it) is found by the build's tag; a request is
 * repeated with its stored ClientToken, so no region ever gets a second copy.
 */
import { type CloudClients, newClientToken } from '../../cloud/index.ts';
import { errorText } from '../../errors.ts';
import { waitForCopy } from '../../images/copy-wait.ts';
import { deleteWithSnapshots } from '../../images/delete.ts';
import { describeRegionImages, findSelfImage, isEncrypted, type SdkImage } from '../../images/images.ts';
import { createLimiter } from '../../images/limit.ts';
import {
  BUILD_ID_TAG,
  CONFIG_HASH_TAG,
  checkTagCount,
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  SOURCE_IMAGE_TAG,
} from '../../images/tags.ts';
import { copyTargets, type PipelineContext, saveState } from '../context.ts';
import { etaEstimator, percentText } from '../progress.ts';
import type { RegionRecord } from '../record.ts';
import type { Step } from '../run.ts';

type Image = SdkImage & { progress?: string };

/** The image copies are made from: the one packer built, or once it is gone, its encrypted copy. */
function copySource(ctx: PipelineContext): string {
  const { record } = ctx;
  const d = record.distribution;
  if (d && !d.sourceDeleted) return d.sourceImageId;
  return record.regions[record.region]?.imageId ?? (record.imageId as string);
}

function kmsKeyOf(ctx: PipelineContext, region: string): string | undefined {
  return ctx.plan.kmsKeyIds?.[region] ?? ctx.plan.kmsKeyId;
}

/** A live copy of this build in the region, after removing failed ones; undefined when there is none. */
async function findCopy(
  ctx: PipelineContext,
  clients: CloudClients,
  region: string,
  entry: RegionRecord,
): Promise<string | undefined> {
  const { record } = ctx;
  const notCopies = new Set([record.distribution?.sourceImageId, copySource(ctx)]);
  const found = (
    await describeRegionImages(clients, region, ctx.limit, { tags: { [BUILD_ID_TAG]: record.buildId } })
  ).filter((i) => i.imageId && !notCopies.has(i.imageId) && (region !== record.region || isEncrypted(i)));
  const broken = found.filter((i) => i.status === 'CreateFailed');
  for (const img of broken) {
    ctx.progress.detail(`${region}: removing the failed copy ${img.imageId}`);
    await deleteWithSnapshots(clients, region, img, false, ctx.limit).catch(() => {});
    if (entry.imageId === img.imageId) delete entry.imageId;
  }
  // A new attempt needs a new token: the old one would return the failed copy.
  if (broken.length > 0) delete entry.clientToken;
  const live = found.filter((i) => i.status !== 'CreateFailed');
  return live.find((i) => i.imageId === entry.imageId)?.imageId ?? live[0]?.imageId;
}

async function requestCopy(ctx: PipelineContext, region: string, entry: RegionRecord): Promise<string> {
  const { record, plan } = ctx;
  const from = copySource(ctx);
  const kmsKeyId = kmsKeyOf(ctx, region);
  // The copy looks like its source: the source's tags, the configured ones, then sindri's own.
  const tags: Record<string, string> = {
    ...record.distribution?.sourceTags,
    ...plan.tags,
    [MANAGED_BY_KEY]: MANAGED_BY_VALUE,
    [BUILD_ID_TAG]: record.buildId,
    [SOURCE_IMAGE_TAG]: record.distribution?.sourceImageId as string,
    ...(record.configHash ? { [CONFIG_HASH_TAG]: record.configHash } : {}),
  };
  checkTagCount(tags, `the copy of ${from} in ${region}`);
  entry.clientToken ??= newClientToken();
  entry.state = 'copying';
  await saveState(ctx);
  const body = await (await ctx.session.clients(record.region)).call(
    'ecs',
    'CopyImage',
    {
      regionId: record.region,
      imageId: from,
      destinationRegionId: region,
      destinationImageName: record.imageName,
      ...(plan.encrypted ? { encrypted: true } : {}),
      ...(plan.encrypted && kmsKeyId ? { KMSKeyId: kmsKeyId } : {}),
      // Plain objects: the SDK model serialises them as Tag.N.Key / Tag.N.Value.
      tag: Object.entries(tags).map(([key, value]) => ({ key, value })) as never,
    },
    { clientToken: entry.clientToken, signal: ctx.signal },
  );
  const imageId = body.imageId as string;
  ctx.progress.detail(`${region}: copying ${from} → ${imageId}${plan.encrypted ? ' (encrypted)' : ''}`);
  return imageId;
}

async function awaitCopy(
  ctx: PipelineContext,
  clients: CloudClients,
  region: string,
  entry: RegionRecord,
  requestedAt: number | undefined,
): Promise<void> {
  const id = entry.imageId as string;
  let lastShown = -1;
  const eta = etaEstimator();
  const waited = await waitForCopy({
    poll: async () => {
      const img = (await findSelfImage(clients, region, id)) as Image | undefined;
      return { status: img?.status, progress: img?.progress };
    },
    requestedAt,
    minDelayMs: ctx.tuning.pollMinDelayMs,
    maxDelayMs: ctx.tuning.pollMaxDelayMs,
    deadlineMs: ctx.tuning.copyDeadlineMs,
    clock: ctx.clock,
    signal: ctx.signal,
    what: `image ${id} in ${region}`,
    onProgress: (percent) => {
      const left = percent === undefined ? undefined : eta(percent);
      if (percent !== undefined && percent >= lastShown + 10) {
        lastShown = percent;
        ctx.progress.detail(`${region}: ${id} ${percentText(percent, left)}`);
      }
    },
  });
  entry.polls = waited.polls;
  if (waited.status === 'Available') {
    entry.state = 'available';
    delete entry.error;
    ctx.progress.detail(`${region}: ${id} available (${waited.polls} polls)`);
    return;
  }
  entry.state = 'failed';
  entry.error =
    waited.status === 'missing'
      ? `the copy ${id} disappeared (cancelled or deleted)`
      : `the copy ${id} ended CreateFailed`;
  delete entry.clientToken;
  ctx.progress.detail(`${region}: failed: ${entry.error}`);
}

async function copyTo(ctx: PipelineContext, region: string): Promise<void> {
  const entry = ctx.record.regions[region] as RegionRecord;
  const clients = await ctx.session.clients(region);
  try {
    if (entry.state === 'available' && entry.imageId) {
      const img = await findSelfImage(clients, region, entry.imageId);
      if (img && (img.status === 'Available' || img.status === 'Deprecated')) {
        ctx.progress.detail(`${region}: ${entry.imageId} already available`);
        return;
      }
      ctx.progress.detail(`${region}: ${entry.imageId} is gone; copying again`);
      delete entry.imageId;
      delete entry.clientToken;
      entry.state = 'pending';
    }
    let requestedAt: number | undefined;
    const found = await findCopy(ctx, clients, region, entry);
    if (found) {
      entry.imageId = found;
      ctx.progress.detail(`${region}: found the copy ${found}; waiting for it`);
    } else {
      requestedAt = ctx.clock.now();
      entry.imageId = await requestCopy(ctx, region, entry);
    }
    entry.state = 'copying';
    if (ctx.plan.encrypted) {
      entry.encrypted = true;
      entry.kmsKeyId = kmsKeyOf(ctx, region) ?? '';
    }
    await saveState(ctx);
    await awaitCopy(ctx, clients, region, entry, requestedAt);
  } catch (err) {
    if (ctx.signal.aborted) throw err;
    entry.state = 'failed';
    entry.error = errorText(err);
    ctx.progress.detail(`${region}: failed: ${entry.error}`);
  }
  await saveState(ctx);
}

export const copy: Step = {
  name: 'copy',
  skip: (ctx) => copyTargets(ctx).length === 0 && 'no region to copy to',
  async run(ctx: PipelineContext) {
    const limit = createLimiter(Math.max(1, ctx.tuning.copyConcurrency));
    await Promise.all(copyTargets(ctx).map((region) => limit(() => copyTo(ctx, region))));
  },
  interrupted: {
    message: 'interrupted during distribution; copies already started keep going in the cloud.',
    fix: 'run the same command again: it continues the distribution from the build record',
  },
};
