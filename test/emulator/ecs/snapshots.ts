/** Snapshot actions, and the snapshots that creating or copying an image takes. */
import type { RegionInfo } from '../catalog.ts';
import { type CallContext, type Handler, requireRegion } from '../context.ts';
import { ApiError, notFound } from '../errors.ts';
import { ecsTags, matchesTags, paginate } from '../params.ts';
import { sandboxHooks } from '../sandbox/hooks.ts';
import { isoSeconds, type Snapshot } from '../state.ts';
import { progress } from './shared.ts';

export function newSnapshot(
  ctx: CallContext,
  region: RegionInfo,
  disk: { id: string; size: number; type: string },
  until: number,
): Snapshot {
  const w = ctx.world;
  const now = w.now();
  const snap = w.add<Snapshot>({
    kind: 'snapshot',
    id: w.newId('s', region),
    regionId: region.regionId,
    accountId: ctx.accountId,
    createdAt: now,
    tags: new Map(),
    timeline: [{ at: now, status: 'progressing' }],
    name: '',
    description: '',
    sourceDiskId: disk.id,
    sourceDiskSize: disk.size,
    sourceDiskType: disk.type,
    creatingFrom: now,
    creatingUntil: until,
  });
  w.transition(snap, [[until - now, 'accomplished']]);
  sandboxHooks.snapshotTaken(w, snap.id, disk.id);
  return snap;
}

function snapshotView(ctx: CallContext, s: Snapshot): Record<string, unknown> {
  const w = ctx.world;
  const usedBy = w.list('image', s.regionId, s.accountId).some((i) => i.snapshotIds.includes(s.id));
  return {
    SnapshotId: s.id,
    SnapshotName: s.name,
    Description: s.description,
    Status: w.status(s),
    Progress: progress(s.creatingFrom, s.creatingUntil, w.now()),
    RemainTime: Math.max(0, Math.ceil((s.creatingUntil - w.now()) / 1000)),
    SourceDiskId: s.sourceDiskId,
    SourceDiskSize: String(s.sourceDiskSize),
    SourceDiskType: s.sourceDiskType,
    SnapshotType: 'user',
    Category: 'standard',
    Usage: usedBy ? 'image' : 'none',
    Available: true,
    Encrypted: s.encrypted === true,
    KMSKeyId: s.kmsKeyId ?? '',
    InstantAccess: false,
    RegionId: s.regionId,
    CreationTime: isoSeconds(s.createdAt),
    LastModifiedTime: isoSeconds(s.createdAt),
    ProductCode: '',
    ResourceGroupId: '',
    Tags: ecsTags(s.tags),
  };
}

export const DescribeSnapshots: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const p = ctx.p;
  const w = ctx.world;
  const ids = p.jsonList('SnapshotIds');
  const status = p.str('Status');
  const tags = p.tags();
  const instanceId = p.str('InstanceId');
  const instanceDisks = instanceId
    ? w
        .list('disk', region.regionId, ctx.accountId)
        .filter((d) => d.instanceId === instanceId)
        .map((d) => d.id)
    : undefined;
  const all = w
    .list('snapshot', region.regionId, ctx.accountId)
    .filter((s) => !ids || ids.includes(s.id))
    .filter((s) => status === undefined || status === 'all' || w.status(s) === status)
    .filter((s) => p.str('DiskId') === undefined || s.sourceDiskId === p.str('DiskId'))
    .filter((s) => !instanceDisks || instanceDisks.includes(s.sourceDiskId))
    .filter((s) => p.str('SnapshotName') === undefined || s.name === p.str('SnapshotName'))
    .filter((s) => matchesTags(s.tags, tags));
  const page = paginate(all, p, { nextToken: true });
  return { ...page.fields, Snapshots: { Snapshot: page.items.map((s) => snapshotView(ctx, s)) } };
};

export const CreateSnapshot: Handler = (ctx) => {
  const w = ctx.world;
  const diskId = ctx.p.req('DiskId');
  const disk = w.list('disk', undefined, ctx.accountId).find((d) => d.id === diskId);
  if (!disk) throw notFound('DiskId', `The specified DiskId "${diskId}" does not exist.`);
  const region = w.region(disk.regionId) as RegionInfo;
  if (w.list('snapshot', region.regionId, ctx.accountId).length >= w.quota(ctx.accountId, 'snapshots'))
    throw new ApiError('QuotaExceed.Snapshot', 'The snapshot quota exceeds.', 403);
  const snap = newSnapshot(
    ctx,
    region,
    { id: disk.id, size: disk.size, type: disk.type },
    w.now() + w.delayMs('snapshotCreate'),
  );
  snap.name = ctx.p.str('SnapshotName') ?? '';
  snap.description = ctx.p.str('Description') ?? '';
  snap.tags = ctx.p.tagMap();
  return { SnapshotId: snap.id };
};

export const DeleteSnapshot: Handler = (ctx) => {
  const w = ctx.world;
  const id = ctx.p.req('SnapshotId');
  const snap = w.list('snapshot', undefined, ctx.accountId).find((s) => s.id === id);
  if (!snap) throw notFound('SnapshotId', `The specified SnapshotId "${id}" does not exist.`);
  const images = w.list('image', snap.regionId, ctx.accountId).filter((i) => i.snapshotIds.includes(snap.id));
  if (images.length > 0)
    throw new ApiError(
      'SnapshotCreatedImage',
      'The snapshot has been used to create user defined image(s).',
      403,
    );
  // A snapshot still being created is deleted too (its creation is cancelled); Force is about disks.
  const disks = w.list('disk', snap.regionId, ctx.accountId).filter((d) => d.sourceSnapshotId === snap.id);
  if (disks.length > 0 && !ctx.p.bool('Force'))
    throw new ApiError('SnapshotCreatedDisk', 'The snapshot has been used to create disk(s).', 403);
  w.remove(snap);
  return {};
};
