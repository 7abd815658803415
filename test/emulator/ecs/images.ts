/** Image actions: describe, create, modify, delete. */
import { type CallContext, type Handler, requireRegion } from '../context.ts';
import { ApiError, invalidParameter, notFound } from '../errors.ts';
import { ecsTags, matchesTags, paginate } from '../params.ts';
import { type Disk, type Image, isoSeconds, randomId } from '../state.ts';
import {
  checkImageNameFree,
  checkImageQuota,
  checkNewTags,
  familyParam,
  findOwnImage,
  fuzzyNameFilter,
  validateImageName,
  visibleImages,
} from './image-rules.ts';
import { incorrectInstanceStatus, progress } from './shared.ts';
import { newSnapshot } from './snapshots.ts';

export function imageView(ctx: CallContext, image: Image, alias: string): Record<string, unknown> {
  const w = ctx.world;
  const now = w.now();
  const status = w.status(image);
  const inUse = w.list('instance', image.regionId).some((i) => i.imageId === image.id);
  const mappings = image.snapshotIds.map((sid, i) => {
    const snap = w.get('snapshot', image.regionId, sid);
    return {
      SnapshotId: sid,
      Size: String(snap?.sourceDiskSize ?? image.size),
      Device: i === 0 ? '/dev/xvda' : `/dev/xvd${String.fromCharCode(98 + i - 1)}`,
      Type: snap?.sourceDiskType ?? (i === 0 ? 'system' : 'data'),
      Format: '',
      ImportOSSBucket: '',
      ImportOSSObject: '',
      Progress: progress(image.creatingFrom, image.creatingUntil, now),
      RemainTime: Math.max(0, Math.ceil((image.creatingUntil - now) / 1000)),
      Encrypted: snap?.encrypted === true,
    };
  });
  return {
    ImageId: image.id,
    ImageName: image.name,
    ImageOwnerAlias: alias,
    ImageOwnerId: image.ownerAlias === 'self' ? Number(image.accountId) : 0,
    Status: status,
    Progress: progress(image.creatingFrom, image.creatingUntil, now),
    CreationTime: isoSeconds(image.createdAt),
    Description: image.description,
    OSType: image.osType,
    OSName: image.osName,
    OSNameEn: image.osNameEn,
    Platform: image.platform,
    Architecture: image.architecture,
    Size: image.size,
    ImageFamily: image.imageFamily,
    ImageVersion: '',
    ProductCode: image.productCode,
    IsCopied: image.copiedFrom !== '',
    IsPublic: image.ownerAlias !== 'self' || image.isPublic,
    IsSelfShared: image.shareAccounts.size > 0 ? 'True' : 'False',
    IsSubscribed: false,
    IsSupportCloudinit: true,
    IsSupportIoOptimized: true,
    Usable: true,
    Usage: inUse ? 'instance' : 'none',
    BootMode: 'BIOS',
    LoginAsNonRootSupported: false,
    SupplierName: image.ownerAlias === 'marketplace' ? 'Example Marketplace Vendor' : '',
    ResourceGroupId: image.resourceGroupId ?? '',
    DiskDeviceMappings: { DiskDeviceMapping: mappings },
    Tags: ecsTags(image.tags),
  };
}

export const DescribeImages: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const p = ctx.p;
  const w = ctx.world;
  const ids = p
    .str('ImageId')
    ?.split(',')
    .map((s) => s.trim());
  const nameMatches = fuzzyNameFilter(p.str('ImageName'));
  const alias = p.str('ImageOwnerAlias');
  const statuses = (p.str('Status') ?? 'Available').split(',').map((s) => s.trim());
  const anyStatus = statuses.includes('ALL');
  const tags = p.tags();
  const all = visibleImages(ctx, region.regionId)
    .filter((v) => !ids || ids.includes(v.image.id))
    .filter((v) => nameMatches(v.image.name))
    .filter((v) => alias === undefined || v.alias === alias)
    .filter((v) => anyStatus || statuses.includes(w.status(v.image)))
    .filter((v) => p.str('OSType') === undefined || v.image.osType === p.str('OSType'))
    .filter((v) => p.str('Architecture') === undefined || v.image.architecture === p.str('Architecture'))
    .filter((v) => p.str('ImageFamily') === undefined || v.image.imageFamily === p.str('ImageFamily'))
    .filter(
      (v) => p.str('SnapshotId') === undefined || v.image.snapshotIds.includes(p.str('SnapshotId') ?? ''),
    )
    .filter((v) => matchesTags(v.image.tags, tags))
    .sort((a, b) => b.image.createdAt - a.image.createdAt || a.image.id.localeCompare(b.image.id));
  const page = paginate(all, p);
  return {
    RegionId: region.regionId,
    ...page.fields,
    Images: { Image: page.items.map((v) => imageView(ctx, v.image, v.alias)) },
  };
};

export const CreateImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const name = p.str('ImageName') ?? `image-${randomId(8)}`;
  validateImageName(name);
  checkImageNameFree(ctx, region.regionId, name);
  checkImageQuota(ctx, region.regionId);
  const tags = checkNewTags(ctx);
  const imageFamily = familyParam(ctx, region.regionId, { allowDot: false }) ?? '';
  const now = w.now();
  const until = now + w.delayMs('imageCreate');
  let source: { osType: string; osName: string; platform: string; architecture: string; imageId: string } = {
    osType: 'linux',
    osName: p.str('Platform') ?? 'Others Linux',
    platform: p.str('Platform') ?? 'Others Linux',
    architecture: p.str('Architecture') ?? 'x86_64',
    imageId: '',
  };
  let snapshotIds: string[] = [];
  let size = 20;
  const instanceId = p.str('InstanceId');
  if (instanceId !== undefined) {
    const instance = w.get('instance', region.regionId, instanceId);
    if (!instance || instance.accountId !== ctx.accountId)
      throw notFound('InstanceId', `The specified InstanceId "${instanceId}" does not exist.`);
    const st = w.status(instance);
    if (st !== 'Running' && st !== 'Stopped') throw incorrectInstanceStatus(st);
    const base = w.get('image', region.regionId, instance.imageId);
    if (base) source = { ...base, imageId: base.id };
    const disks = [instance.systemDiskId, ...instance.dataDiskIds]
      .map((id) => w.get('disk', region.regionId, id))
      .filter((d): d is Disk => d !== undefined);
    snapshotIds = disks.map(
      (d) => newSnapshot(ctx, region, { id: d.id, size: d.size, type: d.type }, until).id,
    );
    size = disks[0]?.size ?? size;
  } else {
    const ids = [p.str('SnapshotId'), ...p.structs('DiskDeviceMapping').map((m) => m.SnapshotId)].filter(
      (s): s is string => s !== undefined && s !== '',
    );
    if (ids.length === 0)
      throw new ApiError(
        'MissingParameter',
        'One of InstanceId, SnapshotId or DiskDeviceMapping is required.',
      );
    for (const id of ids) {
      const snap = w.get('snapshot', region.regionId, id);
      if (!snap || snap.accountId !== ctx.accountId)
        throw notFound('SnapshotId', `The specified SnapshotId "${id}" does not exist.`);
      if (w.status(snap) !== 'accomplished')
        throw new ApiError('IncorrectSnapshotStatus', 'The snapshot has not finished being created.', 403);
    }
    snapshotIds = ids;
    size = w.get('snapshot', region.regionId, ids[0] ?? '')?.sourceDiskSize ?? size;
  }
  const image = w.add<Image>({
    kind: 'image',
    id: w.newId('m', region),
    regionId: region.regionId,
    accountId: ctx.accountId,
    createdAt: now,
    tags,
    timeline: [{ at: now, status: 'Creating' }],
    name,
    description: p.str('Description') ?? '',
    ownerAlias: 'self',
    osType: source.osType,
    osName: source.osName,
    osNameEn: source.osName,
    platform: source.platform,
    architecture: source.architecture,
    size,
    imageFamily,
    productCode: '',
    snapshotIds,
    sourceInstanceId: instanceId ?? '',
    sourceImageId: source.imageId,
    copiedFrom: '',
    shareAccounts: new Map(),
    isPublic: false,
    creatingFrom: now,
    creatingUntil: until,
  });
  w.transition(image, [[until - now, 'Available']]);
  return { ImageId: image.id };
};

export const ModifyImageAttribute: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const image = findOwnImage(ctx, region.regionId, p.req('ImageId'));
  const name = p.str('ImageName');
  if (name !== undefined) {
    validateImageName(name);
    checkImageNameFree(ctx, region.regionId, name, image.id);
  }
  const status = p.str('Status');
  if (status !== undefined) checkStatusChange(ctx, image, status);
  const family = familyParam(ctx, region.regionId, { allowDot: true, except: image.id });
  if (name !== undefined) image.name = name;
  const description = p.str('Description');
  if (description !== undefined) image.description = description;
  if (family !== undefined && family !== '') image.imageFamily = family;
  if (status !== undefined) w.transition(image, [[0, status]]);
  return {};
};

/** Deprecating needs an Available image shared with nobody; restoring needs a Deprecated one. */
function checkStatusChange(ctx: CallContext, image: Image, status: string): void {
  if (status !== 'Deprecated' && status !== 'Available') throw invalidParameter('Status');
  const current = ctx.world.status(image);
  if (current === 'Creating' || current === 'Waiting')
    throw new ApiError(
      'InvalidStatus.ImageIsCreating',
      'The operation cannot be performed because the image is creating. Please wait until the creation is complete and try again.',
      403,
    );
  if (status === 'Deprecated') {
    if (current !== 'Available')
      throw new ApiError('ImageStatus.NotAvailable', 'The specified image status is not available.', 403);
    if (image.shareAccounts.size > 0)
      throw new ApiError(
        'ImageUseShared',
        'The specified image has been shared to others, please remove shared accounts first.',
        403,
      );
  } else if (current !== 'Deprecated')
    throw new ApiError('ImageStatus.NotDeprecated', 'The specified image status is not deprecated.', 403);
}

/** `Force` overrides only the instances that use the image; a share or a running copy still refuses. */
export const DeleteImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  const force = ctx.p.bool('Force');
  if (w.status(image) === 'Creating')
    throw image.copiedFrom
      ? new ApiError(
          'OperationDenied.ImageCopying',
          'The image is being copied. Please use the CancelCopyImage API.',
          403,
        )
      : new ApiError(
          'IncorrectImageStatus',
          'The image is still being created; cancel or wait for it first.',
          403,
        );
  const users = w.list('instance', region.regionId).filter((i) => i.imageId === image.id);
  if (users.length > 0 && !force)
    throw new ApiError(
      'ImageUsingByInstance',
      'The specified image has been used to create instances. You can use the DescribeInstances API to query these instances, or you can use the force parameter to proceed.',
      403,
    );
  if (image.shareAccounts.size > 0)
    throw new ApiError(
      'ImageUseShared',
      'The specified image has been shared to others. You can use the DescribeImageSharePermission API to query the users who have been shared.',
      403,
    );
  w.remove(image);
  return {};
};
