/**
 * `sindri packer distribute`: finds the build record of an image (by its `sindri:build-id` tag) or
 * starts a fresh one, and runs the distribution the configuration asks for.
 */
import { dirname } from 'node:path';
import { ExitCode, SindriError, UsageError } from '../cli/errors.ts';
import { openCloud } from '../lifecycle/context.ts';
import { findSelfImage } from '../lifecycle/images.ts';
import {
  BUILD_ID_TAG,
  CONFIG_HASH_TAG,
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  tagRecord,
} from '../lifecycle/tags.ts';
import { distribute, distributedImages, distributionErrors } from './distribute.ts';
import { type BuildRecord, buildDir, loadRecord, saveRecord } from './record.ts';

/** Whether an image belongs to a record: the build's image, its intermediate, or one of its copies. */
export function recordHasImage(record: BuildRecord, imageId: string): boolean {
  return (
    record.imageId === imageId ||
    record.distribution?.sourceImageId === imageId ||
    Object.values(record.regions).some((r) => r.imageId === imageId)
  );
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

export interface RegionOutcome {
  state: string;
  imageId?: string;
  encrypted?: boolean;
  kmsKeyId?: string;
  polls?: number;
  sharedWith?: string[];
  unshared?: string[];
  error?: string;
}

export interface DistributionResult {
  buildId: string;
  imageId: string;
  region: string;
  status: BuildRecord['status'];
  /** True when a saved record was continued. */
  resumed: boolean;
  images: Record<string, string>;
  regions: Record<string, RegionOutcome>;
  intermediate?: { imageId: string; deleted: boolean; note?: string };
  retention: Array<{
    region: string;
    imageId: string;
    name: string;
    action: string;
    reason?: string;
    error?: string;
  }>;
  errors: string[];
  record: string;
  durationSeconds: number;
}

/** A per-region summary of a record (the build region first). */
export function summarize(record: BuildRecord): Record<string, RegionOutcome> {
  const d = record.distribution;
  const out: Record<string, RegionOutcome> = {};
  const regions = [record.region, ...Object.keys(record.regions).filter((r) => r !== record.region)];
  for (const region of regions) {
    const entry = record.regions[region];
    const share = d?.shares?.[region];
    const base: RegionOutcome =
      entry !== undefined
        ? {
            state: entry.state,
            ...(entry.imageId ? { imageId: entry.imageId } : {}),
            ...(entry.encrypted ? { encrypted: true, kmsKeyId: entry.kmsKeyId ?? '' } : {}),
            ...(entry.polls !== undefined ? { polls: entry.polls } : {}),
            ...(entry.error ? { error: entry.error } : {}),
          }
        : { state: 'available', ...(record.imageId ? { imageId: record.imageId } : {}) };
    if (share) {
      base.sharedWith = share.accounts;
      if (share.removed.length > 0) base.unshared = share.removed;
      if (share.error) base.error = [base.error, `sharing: ${share.error}`].filter(Boolean).join('; ');
    }
    out[region] = base;
  }
  return out;
}

export interface RunDistributionOptions {
  imageId: string;
  configPath?: string | undefined;
  region?: string | undefined;
  pruneShares: boolean;
  force: boolean;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
  debug?: (line: string) => void;
}

export async function runDistribution(opts: RunDistributionOptions): Promise<DistributionResult> {
  const started = Date.now();
  const env = opts.env ?? process.env;
  const ctx = await openCloud({ configPath: opts.configPath, env, debug: opts.debug });
  if (!ctx.loaded) {
    throw new UsageError(
      'sindri packer distribute needs the configuration that says where to copy and share.',
      'run it next to sindri.yaml or pass --config',
    );
  }
  const p = ctx.loaded.config.providers.packer;
  const region = opts.region ?? ctx.defaultRegion;
  const clients = await ctx.clients(region);
  const image = await findSelfImage(clients, region, opts.imageId);
  if (!image) {
    throw new SindriError(`image ${opts.imageId} was not found in ${region}.`, {
      code: 'ImageNotFound',
      hint: 'pass --region with the region the image was built in',
    });
  }
  const tags = tagRecord(image.tags);
  const configDir = dirname(ctx.loaded.file);
  const buildId = tags[BUILD_ID_TAG] ?? `image-${opts.imageId}`;
  const saved = await savedRecord(configDir, buildId, opts.imageId);
  const record: BuildRecord = saved ?? {
    buildId,
    configFile: ctx.loaded.file,
    configHash: tags[CONFIG_HASH_TAG] ?? '',
    imageName: image.imageName ?? p.image_name,
    region,
    startedAt: new Date(started).toISOString(),
    status: 'built',
    cached: false,
    imageId: opts.imageId,
    regions: {},
    phases: [],
  };
  if (saved) opts.onProgress?.(`continuing the distribution recorded for build ${buildId}`);
  const dir = buildDir(configDir, record.buildId);
  // The copies carry the image's own tags (its build ID, config hash, version) and the configured ones.
  const copyTags: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags))
    if (!k.startsWith('acs:') && k !== 'sindri:source-image') copyTags[k] = v;
  Object.assign(copyTags, p.tags, { [MANAGED_BY_KEY]: MANAGED_BY_VALUE, [BUILD_ID_TAG]: record.buildId });
  const a = p.alibaba;
  try {
    await distribute({
      clients,
      clientsFor: (r) => ctx.clients(r),
      record,
      copyRegions: a.image_copy_regions,
      shareAccounts: a.image_share_accounts,
      pruneShares: opts.pruneShares,
      tags: copyTags,
      encrypted: a.image_encrypted,
      ...(a.kms_key_id ? { kmsKeyId: a.kms_key_id } : {}),
      ...(a.kms_key_ids ? { kmsKeyIds: a.kms_key_ids } : {}),
      retention: p.retention && { keep: p.retention.keep, deleteAfterDays: p.retention.delete_after_days },
      force: opts.force,
      save: (r) => saveRecord(dir, r),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
  } catch (err) {
    if (opts.signal?.aborted) {
      record.status = 'interrupted';
      await saveRecord(dir, record);
      throw new SindriError('interrupted; run the same command again to continue the distribution.', {
        exitCode: ExitCode.interrupted,
        code: 'Interrupted',
      });
    }
    throw err;
  }
  record.finishedAt = new Date().toISOString();
  await saveRecord(dir, record);
  const d = record.distribution;
  const errors = distributionErrors(record);
  const result: DistributionResult = {
    buildId: record.buildId,
    imageId: record.imageId as string,
    region: record.region,
    status: record.status,
    resumed: !!saved,
    images: distributedImages(record),
    regions: summarize(record),
    ...(d && d.sourceImageId !== record.imageId
      ? {
          intermediate: {
            imageId: d.sourceImageId,
            deleted: !!d.sourceDeleted,
            ...(d.sourceKept ? { note: d.sourceKept } : {}),
          },
        }
      : {}),
    retention: (d?.retention?.actions ?? []).map((x) => ({
      region: x.region,
      imageId: x.imageId,
      name: x.name,
      action: x.action,
      ...(x.reason ? { reason: x.reason } : {}),
      ...(x.error ? { error: x.error } : {}),
    })),
    errors,
    record: `${dir}/record.json`,
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
  };
  if (errors.length > 0) {
    throw Object.assign(
      new SindriError(`distribution of ${opts.imageId} failed: ${errors.join('; ')}`, {
        code: 'DistributionFailed',
        hint: 'fix the cause and run the same command again: finished regions are kept and not copied twice',
      }),
      { result },
    );
  }
  return result;
}
