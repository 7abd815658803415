/**
 * `sindri packer capture`: a custom image from an instance (a golden image made by hand), tagged like
 * a built image and distributed like one (the build's distribution code).
 */
import { dirname, resolve } from 'node:path';
import { SindriError } from '../cli/errors.ts';
import { type CloudClients, waitFor } from '../cloud/index.ts';
import { openCloud } from '../lifecycle/context.ts';
import { BUILD_ID_TAG, MANAGED_BY_KEY, MANAGED_BY_VALUE, VERSION_TAG } from '../lifecycle/tags.ts';
import { newBuildId } from '../pipeline/build.ts';
import { distribute } from '../pipeline/distribute.ts';
import { type BuildRecord, buildDir, saveRecord } from '../pipeline/record.ts';
import { deleteImagesNamed } from '../pipeline/replace.ts';

export const CAPTURED_FROM_TAG = 'sindri:captured-from';

export interface RunCaptureOptions {
  instanceId: string;
  name?: string | undefined;
  stop?: boolean;
  force?: boolean;
  configPath?: string | undefined;
  region?: string | undefined;
  sindriVersion: string;
  timeoutMs?: number;
  pollInitialMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  debug?: (line: string) => void;
  onInfo?: (line: string) => void;
  onImageProgress?: (percent: number, status: string) => void;
}

export interface CaptureResult {
  buildId: string;
  instanceId: string;
  stopped: boolean;
  imageId: string;
  name: string;
  region: string;
  tags: Record<string, string>;
  images: Record<string, string>;
  distribution: Record<string, { state: string; imageId?: string; error?: string }>;
  replaced: string[];
}

async function instanceStatus(clients: CloudClients, region: string, instanceId: string) {
  const body = await clients.call('ecs', 'DescribeInstances', {
    regionId: region,
    instanceIds: JSON.stringify([instanceId]),
  });
  return body.instances?.instance?.find((i) => i.instanceId === instanceId);
}

export function defaultCaptureName(instanceName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const base = (instanceName || 'instance').replace(/[^A-Za-z0-9._:-]/g, '-').replace(/^[^A-Za-z]+/, '');
  return `${base || 'capture'}-capture-${stamp}`.slice(0, 128);
}

export async function runCapture(opts: RunCaptureOptions): Promise<CaptureResult> {
  const say = opts.onInfo ?? (() => {});
  const ctx = await openCloud(opts);
  const region = opts.region ?? ctx.defaultRegion;
  const clients = await ctx.clients(region);
  const signal = opts.signal;
  const deadlineMs = opts.timeoutMs ?? 2 * 60 * 60 * 1000;
  const initialDelayMs = opts.pollInitialMs ?? 2000;

  const instance = await instanceStatus(clients, region, opts.instanceId);
  if (!instance)
    throw new SindriError(`instance ${opts.instanceId} was not found in ${region}.`, {
      code: 'InvalidInstanceId.NotFound',
      hint: 'check the ID and --region',
    });
  const name = opts.name ?? defaultCaptureName(instance.instanceName ?? '');

  const same = await clients.call('ecs', 'DescribeImages', {
    regionId: region,
    imageName: name,
    imageOwnerAlias: 'self',
    pageSize: 100,
  });
  const taken = (same.images?.image ?? []).filter((i) => i.imageName === name && i.imageId);
  if (taken.length > 0 && !opts.force)
    throw new SindriError(`an image named ${name} already exists in ${region} (${taken[0]?.imageId}).`, {
      code: 'ImageNameTaken',
      hint: 'use --force to replace it, or choose another --name',
    });

  let stopped = false;
  if (opts.stop && instance.status !== 'Stopped') {
    say(`stopping ${opts.instanceId}`);
    await clients.call('ecs', 'StopInstance', { instanceId: opts.instanceId }, signal ? { signal } : {});
    await waitFor({
      poll: () => instanceStatus(clients, region, opts.instanceId),
      isDone: (i) => i?.status === 'Stopped',
      failed: (i) => (i ? undefined : 'the instance disappeared'),
      deadlineMs,
      initialDelayMs,
      what: `instance ${opts.instanceId} to stop`,
      describe: (i) => i?.status ?? 'missing',
      ...(signal ? { signal } : {}),
    });
    stopped = true;
    say(`${opts.instanceId} is stopped`);
  } else if (instance.status === 'Running') {
    say(`note: ${opts.instanceId} is running; the image is crash-consistent (use --stop for a clean one)`);
  }

  const replaced =
    opts.force && taken.length > 0
      ? await deleteImagesNamed({
          clientsFor: (r) => ctx.clients(r),
          region,
          name,
          copyRegions: ctx.loaded?.config.providers.packer.alibaba.image_copy_regions ?? [],
          say,
        })
      : [];

  const buildId = newBuildId();
  // Tagged like a built image: the user's tags, then sindri's own, which win.
  const tags: Record<string, string> = {
    ...ctx.userTags,
    [MANAGED_BY_KEY]: MANAGED_BY_VALUE,
    [BUILD_ID_TAG]: buildId,
    [VERSION_TAG]: opts.sindriVersion,
    [CAPTURED_FROM_TAG]: opts.instanceId,
  };
  // CreateImage carries a ClientToken (added by the client layer), so a retry never makes two images.
  const created = await clients.call(
    'ecs',
    'CreateImage',
    {
      regionId: region,
      instanceId: opts.instanceId,
      imageName: name,
      description: `Captured by sindri from ${opts.instanceId}`,
      tag: Object.entries(tags).map(([key, value]) => ({ key, value })) as never,
    },
    signal ? { signal } : {},
  );
  const imageId = created.imageId as string;
  say(`creating ${imageId} (${name}) from ${opts.instanceId}`);
  await waitFor({
    poll: async () => {
      const body = await clients.call('ecs', 'DescribeImages', {
        regionId: region,
        imageId,
        imageOwnerAlias: 'self',
        status: 'Creating,Waiting,Available,UnAvailable,CreateFailed',
        pageSize: 10,
      });
      return body.images?.image?.find((i) => i.imageId === imageId);
    },
    isDone: (i) => i?.status === 'Available',
    failed: (i) => (i?.status === 'CreateFailed' ? 'the image ended CreateFailed' : undefined),
    deadlineMs,
    initialDelayMs,
    onProgress: (p) =>
      opts.onImageProgress?.(
        p.value?.status === 'Available' ? 100 : Number.parseFloat(String(p.value?.progress ?? '0')) || 0,
        p.value?.status ?? 'missing',
      ),
    what: `image ${imageId} to become Available`,
    describe: (i) => `${i?.status ?? 'missing'} ${i?.progress ?? ''}`,
    ...(signal ? { signal } : {}),
  });

  // The configured distribution, through the build's own code path and build record.
  const p = ctx.loaded?.config.providers.packer;
  const record: BuildRecord = {
    buildId,
    configFile: ctx.loaded?.file ?? '',
    configHash: '',
    imageName: name,
    region,
    startedAt: new Date().toISOString(),
    status: 'built',
    cached: false,
    imageId,
    regions: {},
    phases: [],
  };
  const dir = buildDir(ctx.loaded ? dirname(ctx.loaded.file) : resolve(opts.cwd ?? process.cwd()), buildId);
  const save = (r: BuildRecord) => saveRecord(dir, r);
  await save(record);
  const copyRegions = p?.alibaba.image_copy_regions ?? [];
  const shareAccounts = p?.alibaba.image_share_accounts ?? [];
  if (p && (copyRegions.length > 0 || shareAccounts.length > 0 || p.alibaba.image_encrypted)) {
    say(`distributing: ${copyRegions.length} region(s), ${shareAccounts.length} account(s)`);
    await distribute({
      clients,
      clientsFor: (r) => ctx.clients(r),
      record,
      copyRegions,
      shareAccounts,
      tags,
      encrypted: p.alibaba.image_encrypted,
      ...(p.alibaba.kms_key_id ? { kmsKeyId: p.alibaba.kms_key_id } : {}),
      ...(p.alibaba.kms_key_ids ? { kmsKeyIds: p.alibaba.kms_key_ids } : {}),
      save,
      onProgress: say,
      ...(signal ? { signal } : {}),
    });
  } else {
    record.status = 'done';
  }
  record.finishedAt = new Date().toISOString();
  await save(record);

  const images: Record<string, string> = { [region]: record.imageId as string };
  for (const [r, e] of Object.entries(record.regions))
    if (e.imageId && e.state === 'available') images[r] = e.imageId;
  const result: CaptureResult = {
    buildId,
    instanceId: opts.instanceId,
    stopped,
    imageId: record.imageId as string,
    name,
    region,
    tags,
    images,
    distribution: Object.fromEntries(
      Object.entries(record.regions).map(([r, e]) => [
        r,
        {
          state: e.state,
          ...(e.imageId ? { imageId: e.imageId } : {}),
          ...(e.error ? { error: e.error } : {}),
        },
      ]),
    ),
    replaced,
  };
  if (record.status === 'failed')
    throw Object.assign(
      new SindriError(`the image ${imageId} was captured, but its distribution failed.`, {
        code: 'DistributionFailed',
        hint: `see the record in ${dir}/record.json`,
      }),
      { result },
    );
  return result;
}
