/** ECS (2014-05-26) actions. */
import { createHash, generateKeyPairSync } from 'node:crypto';
import ssh2 from 'ssh2';
import {
  DISK_CATEGORIES,
  INSTANCE_TYPES,
  instanceTypeById,
  instanceTypesInZone,
  REGIONS,
  type RegionInfo,
} from './catalog.ts';
import { type CallContext, type Handler, optionalRegion, requireRegion } from './context.ts';
import { ApiError, invalidParameter, notFound } from './errors.ts';
import { findVSwitch, networkHandlers } from './network.ts';
import { ecsTags, matchesTags, paginate } from './params.ts';
import {
  type Disk,
  type Image,
  type Instance,
  isoSeconds,
  type KeyPair,
  LOOPBACK,
  randomId,
  type SecurityGroup,
  type SecurityGroupRule,
  type Snapshot,
  type Task,
} from './state.ts';
import { ecsOnlyTagHandlers, tagHandlers } from './tags.ts';

const incorrectInstanceStatus = (status: string): ApiError =>
  new ApiError(
    'IncorrectInstanceStatus',
    `The current status of the resource does not support this operation. (current status: ${status})`,
    403,
  );

const tagsFrom = (ctx: CallContext): Map<string, string> =>
  new Map(ctx.p.tags().map((t) => [t.key, t.value ?? '']));

function progress(from: number, until: number, now: number): string {
  if (now >= until || until <= from) return '100%';
  return `${Math.min(99, Math.floor(((now - from) / (until - from)) * 100))}%`;
}

// ---------------------------------------------------------------- catalogue

const DescribeRegions: Handler = (ctx) => ({
  Regions: {
    Region: REGIONS.map((r) => ({
      RegionId: r.regionId,
      LocalName: r.localName,
      RegionEndpoint: `${ctx.product}.${r.regionId}.aliyuncs.com`,
      Status: 'available',
    })),
  },
});

const DescribeZones: Handler = (ctx) => {
  const region = requireRegion(ctx);
  return {
    Zones: {
      Zone: region.zones.map((zoneId) => {
        const types = instanceTypesInZone(region, zoneId);
        return {
          ZoneId: zoneId,
          LocalName: `${region.localName} Zone ${zoneId.slice(-1).toUpperCase()}`,
          ZoneType: 'AvailabilityZone',
          AvailableResourceCreation: {
            ResourceTypes: ['VSwitch', 'IoOptimized', 'Instance', 'Disk', 'DedicatedHost'],
          },
          AvailableInstanceTypes: { InstanceTypes: types },
          AvailableDiskCategories: { DiskCategories: DISK_CATEGORIES },
          AvailableVolumeCategories: { VolumeCategories: ['san_ssd', 'san_efficiency'] },
          AvailableDedicatedHostTypes: { DedicatedHostType: [] },
          DedicatedHostGenerations: { DedicatedHostGeneration: [] },
          AvailableResources: {
            ResourcesInfo: [
              {
                IoOptimized: true,
                InstanceTypes: { supportedInstanceType: types },
                InstanceTypeFamilies: {
                  supportedInstanceTypeFamily: [
                    ...new Set(types.map((t) => instanceTypeById(t)?.family ?? '')),
                  ],
                },
                InstanceGenerations: { supportedInstanceGeneration: ['ecs-3', 'ecs-4', 'ecs-5'] },
                SystemDiskCategories: { supportedSystemDiskCategory: DISK_CATEGORIES },
                DataDiskCategories: { supportedDataDiskCategory: DISK_CATEGORIES },
                NetworkTypes: { supportedNetworkCategory: ['vpc'] },
              },
            ],
          },
        };
      }),
    },
  };
};

const DescribeAvailableResource: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const dest = ctx.p.req('DestinationResource');
  const zoneFilter = ctx.p.str('ZoneId');
  const typeFilter = ctx.p.str('InstanceType');
  if (zoneFilter !== undefined && !region.zones.includes(zoneFilter))
    throw new ApiError('InvalidZoneId.NotFound', `The specified ZoneId "${zoneFilter}" does not exist.`, 404);
  const value = (v: string, extra: Record<string, unknown> = {}) => ({
    Value: v,
    Status: 'Available',
    StatusCategory: 'WithStock',
    ...extra,
  });
  const zones = region.zones
    .filter((z) => zoneFilter === undefined || z === zoneFilter)
    .filter((z) => typeFilter === undefined || instanceTypesInZone(region, z).includes(typeFilter));
  const resourcesFor = (zoneId: string): Array<Record<string, unknown>> => {
    const types = instanceTypesInZone(region, zoneId);
    switch (dest) {
      case 'Zone':
        return [{ Type: 'Zone', SupportedResources: { SupportedResource: [value(zoneId)] } }];
      case 'IoOptimized':
        return [{ Type: 'IoOptimized', SupportedResources: { SupportedResource: [value('optimized')] } }];
      case 'InstanceType':
        return [
          { Type: 'InstanceType', SupportedResources: { SupportedResource: types.map((t) => value(t)) } },
        ];
      case 'SystemDisk':
        return [
          {
            Type: 'SystemDisk',
            SupportedResources: {
              SupportedResource: DISK_CATEGORIES.map((c) => value(c, { Min: 20, Max: 2048, Unit: 'GiB' })),
            },
          },
        ];
      case 'DataDisk':
        return [
          {
            Type: 'DataDisk',
            SupportedResources: {
              SupportedResource: DISK_CATEGORIES.map((c) => value(c, { Min: 20, Max: 32768, Unit: 'GiB' })),
            },
          },
        ];
      case 'Network':
        return [{ Type: 'Network', SupportedResources: { SupportedResource: [value('vpc')] } }];
      default:
        throw invalidParameter(
          'DestinationResource',
          `The specified DestinationResource "${dest}" is not valid.`,
        );
    }
  };
  return {
    AvailableZones: {
      AvailableZone: zones.map((z) => ({
        RegionId: region.regionId,
        ZoneId: z,
        Status: 'Available',
        StatusCategory: 'WithStock',
        AvailableResources: { AvailableResource: resourcesFor(z) },
      })),
    },
  };
};

const DescribeInstanceTypes: Handler = (ctx) => {
  const wanted = ctx.p.repeated('InstanceTypes');
  const family = ctx.p.str('InstanceTypeFamily');
  const all = INSTANCE_TYPES.filter((t) => wanted.length === 0 || wanted.includes(t.instanceTypeId)).filter(
    (t) => family === undefined || t.family === family,
  );
  const page = paginate(all, ctx.p, { nextToken: true, defaultSize: 100, max: 1600 });
  return {
    NextToken: page.fields.NextToken ?? '',
    InstanceTypes: {
      InstanceType: page.items.map((t) => ({
        InstanceTypeId: t.instanceTypeId,
        InstanceTypeFamily: t.family,
        CpuCoreCount: t.cpu,
        MemorySize: t.memoryGiB,
        InstanceFamilyLevel: t.family === 'ecs.t6' ? 'CreditEntryLevel' : 'EnterpriseLevel',
        InstanceCategory: 'General-purpose',
        GPUAmount: 0,
        GPUSpec: '',
        LocalStorageCategory: '',
        EniQuantity: t.cpu,
        DiskQuantity: 17,
        NvmeSupport: 'unsupported',
      })),
    },
  };
};

const DescribeAccountAttributes: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const acct = ctx.accountId;
  const used = (kind: 'securitygroup' | 'eip' | 'image' | 'keypair' | 'instance') =>
    w.list(kind, region.regionId, acct).length;
  const vcpus = w
    .list('instance', region.regionId, acct)
    .reduce((n, i) => n + (instanceTypeById(i.instanceType)?.cpu ?? 0), 0);
  const attrs: Record<string, string> = {
    'max-security-groups': String(w.quota(acct, 'securityGroups')),
    'used-security-groups': String(used('securitygroup')),
    'max-elastic-ip-addresses': String(w.quota(acct, 'eips')),
    'used-elastic-ip-addresses': String(used('eip')),
    'max-custom-images': String(w.quota(acct, 'customImages')),
    'used-custom-images': String(used('image')),
    'max-key-pairs': String(w.quota(acct, 'keyPairs')),
    'max-instances': String(w.quota(acct, 'instances')),
    'used-instances': String(used('instance')),
    'max-postpaid-instance-vcpu-count': String(w.quota(acct, 'instances') * 4),
    'used-postpaid-instance-vcpu-count': String(vcpus),
    'max-elastic-network-interfaces': '100',
    'instance-network-type': 'vpc',
    'real-name-authentications': 'yes',
  };
  const wanted = ctx.p.repeated('AttributeName');
  return {
    AccountAttributeItems: {
      AccountAttributeItem: Object.entries(attrs)
        .filter(([k]) => wanted.length === 0 || wanted.includes(k))
        .map(([name, v]) => ({
          AttributeName: name,
          AttributeValues: {
            ValueItem: [
              {
                Value: v,
                Count: 1,
                ZoneId: '',
                InstanceChargeType: '',
                InstanceType: '',
                DiskCategory: '',
                ExpiredTime: '',
              },
            ],
          },
        })),
    },
  };
};

// ---------------------------------------------------------------- images

/** Images the caller can see in a region, with the owner alias as seen by the caller. */
function visibleImages(ctx: CallContext, regionId: string): Array<{ image: Image; alias: string }> {
  const out: Array<{ image: Image; alias: string }> = [];
  for (const image of ctx.world.list('image', regionId)) {
    if (image.ownerAlias === 'system' || image.ownerAlias === 'marketplace')
      out.push({ image, alias: image.ownerAlias });
    else if (image.accountId === ctx.accountId) out.push({ image, alias: 'self' });
    else if (image.shareAccounts.has(ctx.accountId) || image.isPublic) out.push({ image, alias: 'others' });
  }
  return out;
}

function findOwnImage(ctx: CallContext, regionId: string, imageId: string): Image {
  const image = ctx.world.get('image', regionId, imageId);
  if (!image || image.accountId !== ctx.accountId)
    throw notFound('ImageId', `The specified ImageId "${imageId}" does not exist.`);
  return image;
}

function findUsableImage(ctx: CallContext, regionId: string, imageId: string): Image {
  const found = visibleImages(ctx, regionId).find((v) => v.image.id === imageId);
  if (!found) throw notFound('ImageId', `The specified ImageId "${imageId}" does not exist.`);
  return found.image;
}

function imageView(ctx: CallContext, image: Image, alias: string): Record<string, unknown> {
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
    ResourceGroupId: '',
    DiskDeviceMappings: { DiskDeviceMapping: mappings },
    Tags: ecsTags(image.tags),
  };
}

const DescribeImages: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const p = ctx.p;
  const w = ctx.world;
  const ids = p
    .str('ImageId')
    ?.split(',')
    .map((s) => s.trim());
  const name = p.str('ImageName');
  const nameRe = name?.includes('*')
    ? new RegExp(`^${name.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`)
    : undefined;
  const alias = p.str('ImageOwnerAlias');
  const statuses = (p.str('Status') ?? 'Available').split(',').map((s) => s.trim());
  const tags = p.tags();
  const all = visibleImages(ctx, region.regionId)
    .filter((v) => !ids || ids.includes(v.image.id))
    .filter((v) => name === undefined || (nameRe ? nameRe.test(v.image.name) : v.image.name === name))
    .filter((v) => alias === undefined || v.alias === alias)
    .filter((v) => statuses.includes(w.status(v.image)))
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

function validateImageName(name: string): void {
  if (
    name.length < 2 ||
    name.length > 128 ||
    !/^[\p{L}]/u.test(name) ||
    /^(https?:\/\/|aliyun|acs:)/i.test(name) ||
    !/^[\p{L}\p{N}._:\- ]+$/u.test(name)
  )
    throw new ApiError('InvalidImageName.Malformed', `The specified ImageName "${name}" is not valid.`);
}

function checkImageNameFree(ctx: CallContext, regionId: string, name: string, except?: string): void {
  const clash = ctx.world
    .list('image', regionId, ctx.accountId)
    .find((i) => i.name === name && i.id !== except && ctx.world.status(i) !== 'CreateFailed');
  if (clash)
    throw new ApiError(
      'InvalidImageName.Duplicated',
      `The specified ImageName "${name}" is already used by ${clash.id}.`,
    );
}

function checkImageQuota(ctx: CallContext, regionId: string): void {
  if (
    ctx.world.list('image', regionId, ctx.accountId).length >= ctx.world.quota(ctx.accountId, 'customImages')
  )
    throw new ApiError(
      'QuotaExceeded.Image',
      'The number of custom images in this region has reached the quota.',
    );
}

function newSnapshot(
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
  return snap;
}

const CreateImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const name = p.str('ImageName') ?? `image-${randomId(8)}`;
  validateImageName(name);
  checkImageNameFree(ctx, region.regionId, name);
  checkImageQuota(ctx, region.regionId);
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
    tags: tagsFrom(ctx),
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
    imageFamily: p.str('ImageFamily') ?? '',
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

const CopyImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const source = findOwnImage(ctx, region.regionId, p.req('ImageId'));
  if (w.status(source) !== 'Available')
    throw new ApiError('IncorrectImageStatus', 'The image must be Available to be copied.', 403);
  const destId = p.req('DestinationRegionId');
  const dest = w.region(destId);
  if (!dest)
    throw new ApiError(
      'InvalidRegionId.NotFound',
      `The specified DestinationRegionId "${destId}" does not exist.`,
      404,
    );
  const encrypted = p.bool('Encrypted') || source.encrypted === true;
  const kmsKeyId = p.str('KMSKeyId');
  if (kmsKeyId !== undefined && kmsKeyId !== '' && !p.bool('Encrypted'))
    throw invalidParameter('KMSKeyId', 'KMSKeyId requires Encrypted=true.');
  // A copy into the source's own region is how an image gets encrypted.
  if (dest.regionId === region.regionId && !p.bool('Encrypted'))
    throw invalidParameter(
      'DestinationRegionId',
      'The destination region must differ from the source region unless the copy is encrypted.',
    );
  const name = p.str('DestinationImageName') ?? source.name;
  validateImageName(name);
  const destCtx = { ...ctx, hostRegion: dest.regionId };
  checkImageNameFree(destCtx, dest.regionId, name);
  checkImageQuota(destCtx, dest.regionId);
  const now = w.now();
  const until = now + w.delayMs('imageCopy');
  const snapshots = source.snapshotIds.map((sid) => {
    const s = w.get('snapshot', region.regionId, sid);
    return newSnapshot(
      ctx,
      dest,
      { id: '', size: s?.sourceDiskSize ?? source.size, type: s?.sourceDiskType ?? 'system' },
      until,
    );
  });
  const key = encrypted ? (kmsKeyId ?? (p.bool('Encrypted') ? '' : (source.kmsKeyId ?? ''))) : '';
  for (const s of snapshots) {
    s.name = `Copied from ${source.id}`;
    s.encrypted = encrypted;
    s.kmsKeyId = key;
  }
  const image = w.add<Image>({
    ...source,
    id: w.newId('m', dest),
    regionId: dest.regionId,
    createdAt: now,
    tags: tagsFrom(ctx),
    timeline: [{ at: now, status: 'Creating' }],
    name,
    description: p.str('DestinationDescription') ?? source.description,
    snapshotIds: snapshots.map((s) => s.id),
    copiedFrom: source.id,
    shareAccounts: new Map(),
    isPublic: false,
    creatingFrom: now,
    creatingUntil: until,
    encrypted,
    kmsKeyId: key,
  });
  w.transition(image, [[until - now, w.copyFailures.has(dest.regionId) ? 'CreateFailed' : 'Available']]);
  return { ImageId: image.id };
};

const CancelCopyImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  if (!image.copiedFrom || w.status(image) !== 'Creating')
    throw new ApiError(
      'IncorrectImageStatus',
      'Only an image that is still being copied can be cancelled.',
      403,
    );
  for (const sid of image.snapshotIds) {
    const s = w.get('snapshot', region.regionId, sid);
    if (s) w.remove(s);
  }
  w.remove(image);
  return {};
};

const ModifyImageSharePermission: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  const add = ctx.p.repeated('AddAccount');
  const remove = ctx.p.repeated('RemoveAccount');
  if (add.length > 10 || remove.length > 10)
    throw invalidParameter('AddAccount', 'At most 10 accounts can be added or removed in one call.');
  for (const a of [...add, ...remove])
    if (!/^\d{16}$/.test(a))
      throw new ApiError('InvalidAccount.Malformed', `The specified account "${a}" is not valid.`);
  if (add.includes(ctx.accountId))
    throw new ApiError('InvalidAccount.Forbidden', 'An image cannot be shared with its owner.');
  const st = w.status(image);
  if (st !== 'Available' && st !== 'Deprecated')
    throw new ApiError('IncorrectImageStatus', 'The image must be Available to be shared.', 403);
  for (const a of remove) image.shareAccounts.delete(a);
  for (const a of add) if (!image.shareAccounts.has(a)) image.shareAccounts.set(a, w.now());
  if (image.shareAccounts.size > 50)
    throw new ApiError('QuotaExceeded.ShareAccount', 'An image can be shared with at most 50 accounts.');
  const isPublic = ctx.p.str('IsPublic');
  if (isPublic !== undefined) image.isPublic = ctx.p.bool('IsPublic');
  return {};
};

const DescribeImageSharePermission: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  const accounts = [...image.shareAccounts].map(([id, at]) => ({ AliyunId: id, SharedTime: isoSeconds(at) }));
  const page = paginate(accounts, ctx.p);
  return {
    RegionId: region.regionId,
    ImageId: image.id,
    ...page.fields,
    Accounts: { Account: page.items },
    ShareGroups: { ShareGroup: image.isPublic ? [{ Group: 'all' }] : [] },
  };
};

const ModifyImageAttribute: Handler = (ctx) => {
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
  if (status !== undefined) {
    if (status !== 'Deprecated' && status !== 'Available') throw invalidParameter('Status');
    const current = w.status(image);
    if (current !== 'Available' && current !== 'Deprecated')
      throw new ApiError(
        'IncorrectImageStatus',
        `The image is ${current}; only Available or Deprecated images can change status.`,
        403,
      );
  }
  if (name !== undefined) image.name = name;
  const description = p.str('Description');
  if (description !== undefined) image.description = description;
  const family = p.str('ImageFamily');
  if (family !== undefined) image.imageFamily = family;
  if (status !== undefined) w.transition(image, [[0, status]]);
  return {};
};

const DeleteImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  const force = ctx.p.bool('Force');
  if (w.status(image) === 'Creating')
    throw new ApiError(
      'IncorrectImageStatus',
      'The image is still being created; cancel or wait for it first.',
      403,
    );
  const users = w.list('instance', region.regionId).filter((i) => i.imageId === image.id);
  if (users.length > 0 && !force)
    throw new ApiError(
      'DependencyViolation.ImageInUse',
      `The image is used by ${users.length} instance(s) (${users.map((i) => i.id).join(', ')}); set Force=true to delete it.`,
      403,
    );
  if (image.shareAccounts.size > 0 && !force)
    throw new ApiError(
      'InvalidImage.Shared',
      'The image is shared with other accounts; unshare it or set Force=true.',
      403,
    );
  w.remove(image);
  return {};
};

// ---------------------------------------------------------------- snapshots, disks, tasks

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

const DescribeSnapshots: Handler = (ctx) => {
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

const CreateSnapshot: Handler = (ctx) => {
  const w = ctx.world;
  const diskId = ctx.p.req('DiskId');
  const disk = w.list('disk', undefined, ctx.accountId).find((d) => d.id === diskId);
  if (!disk) throw notFound('DiskId', `The specified DiskId "${diskId}" does not exist.`);
  const region = w.region(disk.regionId) as RegionInfo;
  if (w.list('snapshot', region.regionId, ctx.accountId).length >= w.quota(ctx.accountId, 'snapshots'))
    throw new ApiError('QuotaExceeded.Snapshot', 'The number of snapshots has reached the quota.');
  const snap = newSnapshot(
    ctx,
    region,
    { id: disk.id, size: disk.size, type: disk.type },
    w.now() + w.delayMs('snapshotCreate'),
  );
  snap.name = ctx.p.str('SnapshotName') ?? '';
  snap.description = ctx.p.str('Description') ?? '';
  snap.tags = tagsFrom(ctx);
  return { SnapshotId: snap.id };
};

const DeleteSnapshot: Handler = (ctx) => {
  const w = ctx.world;
  const id = ctx.p.req('SnapshotId');
  const snap = w.list('snapshot', undefined, ctx.accountId).find((s) => s.id === id);
  if (!snap) throw notFound('SnapshotId', `The specified SnapshotId "${id}" does not exist.`);
  const images = w.list('image', snap.regionId, ctx.accountId).filter((i) => i.snapshotIds.includes(snap.id));
  if (images.length > 0)
    throw new ApiError(
      'SnapshotCreatedImage',
      `The snapshot has been used to create image(s) ${images.map((i) => i.id).join(', ')}; delete them first.`,
      403,
    );
  if (w.status(snap) === 'progressing' && !ctx.p.bool('Force'))
    throw new ApiError('IncorrectSnapshotStatus', 'The snapshot is still being created.', 403);
  w.remove(snap);
  return {};
};

function diskView(ctx: CallContext, d: Disk): Record<string, unknown> {
  return {
    DiskId: d.id,
    DiskName: d.name,
    Description: '',
    RegionId: d.regionId,
    ZoneId: d.zoneId,
    Category: d.category,
    PerformanceLevel: d.performanceLevel,
    Size: d.size,
    Type: d.type,
    Status: ctx.world.status(d),
    InstanceId: d.instanceId,
    Device: d.device,
    ImageId: d.imageId,
    SourceSnapshotId: d.sourceSnapshotId,
    DeleteWithInstance: d.deleteWithInstance,
    Portable: d.type === 'data',
    Encrypted: false,
    DiskChargeType: 'PostPaid',
    CreationTime: isoSeconds(d.createdAt),
    Attachments: {
      Attachment: d.instanceId
        ? [{ InstanceId: d.instanceId, Device: d.device, AttachedTime: isoSeconds(d.createdAt) }]
        : [],
    },
    ResourceGroupId: '',
    Tags: ecsTags(d.tags),
  };
}

const DescribeDisks: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const p = ctx.p;
  const ids = p.jsonList('DiskIds');
  const tags = p.tags();
  const all = ctx.world
    .list('disk', region.regionId, ctx.accountId)
    .filter((d) => !ids || ids.includes(d.id))
    .filter((d) => p.str('InstanceId') === undefined || d.instanceId === p.str('InstanceId'))
    .filter(
      (d) => p.str('DiskType') === undefined || p.str('DiskType') === 'all' || d.type === p.str('DiskType'),
    )
    .filter((d) => p.str('ZoneId') === undefined || d.zoneId === p.str('ZoneId'))
    .filter((d) => matchesTags(d.tags, tags));
  const page = paginate(all, p, { nextToken: true });
  return { ...page.fields, Disks: { Disk: page.items.map((d) => diskView(ctx, d)) } };
};

const ExportImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  const bucket = ctx.p.req('OSSBucket');
  if (w.status(image) !== 'Available')
    throw new ApiError('IncorrectImageStatus', 'Only Available images can be exported.', 403);
  const format = ctx.p.str('ImageFormat') ?? 'raw';
  if (!['raw', 'vhd', 'qcow2', 'vmdk', 'vdi'].includes(format)) throw invalidParameter('ImageFormat');
  const now = w.now();
  const task = w.add<Task>({
    kind: 'task',
    id: w.newId('t', region),
    regionId: region.regionId,
    accountId: ctx.accountId,
    createdAt: now,
    tags: new Map(),
    timeline: [{ at: now, status: 'Processing' }],
    action: 'ExportImage',
    resourceId: image.id,
    finishedAt: now + w.delayMs('exportImage'),
    supportCancel: true,
    detail: {
      OSSBucket: bucket,
      OSSObject: `${ctx.p.str('OSSPrefix') ?? ''}${image.id}.${format}`,
      ImageFormat: format,
    },
  });
  w.transition(task, [[task.finishedAt - now, 'Finished']]);
  return { TaskId: task.id, RegionId: region.regionId };
};

function findTask(ctx: CallContext, regionId: string, id: string): Task {
  const t = ctx.world.get('task', regionId, id);
  if (!t || t.accountId !== ctx.accountId)
    throw notFound('TaskId', `The specified TaskId "${id}" does not exist.`);
  return t;
}

const DescribeTasks: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const ids = p
    .str('TaskIds')
    ?.split(',')
    .map((s) => s.trim());
  const resourceIds = p.repeated('ResourceIds');
  const all = w
    .list('task', region.regionId, ctx.accountId)
    .filter((t) => !ids || ids.includes(t.id))
    .filter((t) => p.str('TaskAction') === undefined || t.action === p.str('TaskAction'))
    .filter((t) => p.str('TaskStatus') === undefined || w.status(t) === p.str('TaskStatus'))
    .filter((t) => resourceIds.length === 0 || resourceIds.includes(t.resourceId));
  const page = paginate(all, p);
  return {
    RegionId: region.regionId,
    ...page.fields,
    TaskSet: {
      Task: page.items.map((t) => ({
        TaskId: t.id,
        TaskAction: t.action,
        TaskStatus: w.status(t),
        ResourceId: t.resourceId,
        SupportCancel: String(t.supportCancel && w.status(t) === 'Processing'),
        CreationTime: isoSeconds(t.createdAt),
        FinishedTime: w.status(t) === 'Finished' ? isoSeconds(t.finishedAt) : '',
      })),
    },
  };
};

const DescribeTaskAttribute: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const t = findTask(ctx, region.regionId, ctx.p.req('TaskId'));
  const done = w.status(t) === 'Finished';
  return {
    RegionId: region.regionId,
    TaskId: t.id,
    TaskAction: t.action,
    TaskStatus: w.status(t),
    TaskProcess: progress(t.createdAt, t.finishedAt, w.now()),
    SupportCancel: String(t.supportCancel && !done),
    TotalCount: 1,
    SuccessCount: done ? 1 : 0,
    FailedCount: 0,
    CreationTime: isoSeconds(t.createdAt),
    FinishedTime: done ? isoSeconds(t.finishedAt) : '',
    OperationProgressSet: {
      OperationProgress: [
        {
          OperationStatus: done ? 'Success' : 'Processing',
          ErrorCode: '',
          ErrorMsg: '',
          RelatedItemSet: { RelatedItem: Object.entries(t.detail).map(([Name, Value]) => ({ Name, Value })) },
        },
      ],
    },
  };
};

// ---------------------------------------------------------------- security groups

function findSecurityGroup(ctx: CallContext, regionId: string, id: string): SecurityGroup {
  const sg = ctx.world.get('securitygroup', regionId, id);
  if (!sg || sg.accountId !== ctx.accountId)
    throw notFound('SecurityGroupId', `The specified SecurityGroupId "${id}" does not exist.`);
  return sg;
}

const CreateSecurityGroup: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const vpcId = ctx.p.str('VpcId');
  if (vpcId !== undefined) {
    const vpc = w.get('vpc', region.regionId, vpcId);
    if (!vpc || vpc.accountId !== ctx.accountId)
      throw notFound('VpcId', `The specified VpcId "${vpcId}" does not exist.`);
  }
  if (
    w.list('securitygroup', region.regionId, ctx.accountId).length >= w.quota(ctx.accountId, 'securityGroups')
  )
    throw new ApiError(
      'QuotaExceeded.SecurityGroup',
      'The number of security groups in this region has reached the quota.',
    );
  const now = w.now();
  const sg = w.add<SecurityGroup>({
    kind: 'securitygroup',
    id: w.newId('sg', region),
    regionId: region.regionId,
    accountId: ctx.accountId,
    createdAt: now,
    tags: tagsFrom(ctx),
    timeline: [{ at: now, status: 'Available' }],
    name: ctx.p.str('SecurityGroupName') ?? '',
    description: ctx.p.str('Description') ?? '',
    vpcId: vpcId ?? '',
    securityGroupType: ctx.p.str('SecurityGroupType') ?? 'normal',
    rules: [],
  });
  return { SecurityGroupId: sg.id };
};

const DescribeSecurityGroups: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const ids =
    p.jsonList('SecurityGroupIds') ??
    (p.str('SecurityGroupId') ? [p.str('SecurityGroupId') ?? ''] : undefined);
  const tags = p.tags();
  const all = w
    .list('securitygroup', region.regionId, ctx.accountId)
    .filter((g) => !ids || ids.includes(g.id))
    .filter((g) => p.str('VpcId') === undefined || g.vpcId === p.str('VpcId'))
    .filter((g) => p.str('SecurityGroupName') === undefined || g.name === p.str('SecurityGroupName'))
    .filter((g) => matchesTags(g.tags, tags));
  const page = paginate(all, p, { nextToken: true, max: 50 });
  return {
    RegionId: region.regionId,
    ...page.fields,
    SecurityGroups: {
      SecurityGroup: page.items.map((g) => ({
        SecurityGroupId: g.id,
        SecurityGroupName: g.name,
        Description: g.description,
        VpcId: g.vpcId,
        SecurityGroupType: g.securityGroupType,
        CreationTime: isoSeconds(g.createdAt),
        EcsCount: w
          .list('instance', region.regionId, ctx.accountId)
          .filter((i) => i.securityGroupIds.includes(g.id)).length,
        AvailableInstanceAmount: 2000,
        RuleCount: g.rules.length,
        ServiceManaged: false,
        ResourceGroupId: '',
        Tags: ecsTags(g.tags),
      })),
    },
  };
};

const DescribeSecurityGroupAttribute: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const sg = findSecurityGroup(ctx, region.regionId, ctx.p.req('SecurityGroupId'));
  const direction = ctx.p.str('Direction') ?? 'all';
  return {
    RegionId: region.regionId,
    SecurityGroupId: sg.id,
    SecurityGroupName: sg.name,
    Description: sg.description,
    VpcId: sg.vpcId,
    InnerAccessPolicy: 'Accept',
    Permissions: {
      Permission: sg.rules
        .filter((r) => direction === 'all' || r.direction === direction)
        .map((r) => ({
          SecurityGroupRuleId: r.ruleId,
          Direction: r.direction,
          IpProtocol: r.ipProtocol.toUpperCase(),
          PortRange: r.portRange,
          SourceCidrIp: r.sourceCidrIp,
          DestCidrIp: r.destCidrIp,
          Policy: r.policy,
          Priority: r.priority,
          NicType: r.nicType,
          Description: r.description,
          CreateTime: r.createTime,
          SourcePortRange: '',
          SourceGroupId: '',
          DestGroupId: '',
        })),
    },
  };
};

function parseRule(
  ctx: CallContext,
  direction: 'ingress' | 'egress',
  fields: Record<string, string | undefined>,
): SecurityGroupRule {
  const protocol = (fields.IpProtocol ?? '').toLowerCase();
  if (!['tcp', 'udp', 'icmp', 'gre', 'all', 'icmpv6'].includes(protocol))
    throw new ApiError(
      'InvalidIpProtocol.Malformed',
      `The specified IpProtocol "${fields.IpProtocol ?? ''}" is not valid.`,
    );
  const portRange = fields.PortRange ?? '';
  const m = /^(-?\d+)\/(-?\d+)$/.exec(portRange);
  const ok =
    m !== null &&
    (['tcp', 'udp'].includes(protocol)
      ? Number(m[1]) >= 1 && Number(m[2]) <= 65535 && Number(m[1]) <= Number(m[2])
      : m[1] === '-1' && m[2] === '-1');
  if (!ok)
    throw new ApiError(
      'InvalidIpPortRange.Malformed',
      `The specified PortRange "${portRange}" is not valid.`,
    );
  const policy = (fields.Policy ?? 'accept').toLowerCase();
  if (!['accept', 'drop'].includes(policy)) throw invalidParameter('Policy');
  const cidr = direction === 'ingress' ? fields.SourceCidrIp : fields.DestCidrIp;
  if (cidr !== undefined && cidr !== '' && !/^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(cidr))
    throw new ApiError('InvalidCidrIp.Malformed', `The specified CIDR "${cidr}" is not valid.`);
  return {
    ruleId: `sgr-${randomId(20)}`,
    direction,
    ipProtocol: protocol,
    portRange,
    sourceCidrIp: direction === 'ingress' ? (fields.SourceCidrIp ?? '') : '',
    destCidrIp: direction === 'egress' ? (fields.DestCidrIp ?? '') : '',
    policy: policy === 'accept' ? 'Accept' : 'Drop',
    priority: fields.Priority ?? '1',
    nicType: fields.NicType ?? 'intranet',
    description: fields.Description ?? '',
    createTime: isoSeconds(ctx.world.now()),
  };
}

function authorize(direction: 'ingress' | 'egress'): Handler {
  return (ctx) => {
    const region = requireRegion(ctx);
    const sg = findSecurityGroup(ctx, region.regionId, ctx.p.req('SecurityGroupId'));
    const list = ctx.p.structs('Permissions');
    const specs = list.length > 0 ? list : [ctx.p.raw];
    const rules = specs.map((s) => parseRule(ctx, direction, s));
    for (const rule of rules) {
      const dup = sg.rules.some(
        (r) =>
          r.direction === rule.direction &&
          r.ipProtocol === rule.ipProtocol &&
          r.portRange === rule.portRange &&
          r.sourceCidrIp === rule.sourceCidrIp &&
          r.destCidrIp === rule.destCidrIp &&
          r.policy === rule.policy,
      );
      if (!dup) sg.rules.push(rule);
    }
    if (sg.rules.length > 200)
      throw new ApiError('QuotaExceeded.SecurityGroupRule', 'A security group can hold at most 200 rules.');
    return {};
  };
}

function revoke(direction: 'ingress' | 'egress'): Handler {
  return (ctx) => {
    const region = requireRegion(ctx);
    const sg = findSecurityGroup(ctx, region.regionId, ctx.p.req('SecurityGroupId'));
    const ruleIds = ctx.p.repeated('SecurityGroupRuleId');
    if (ruleIds.length > 0) {
      sg.rules = sg.rules.filter((r) => !ruleIds.includes(r.ruleId));
      return {};
    }
    const rule = parseRule(ctx, direction, ctx.p.raw);
    sg.rules = sg.rules.filter(
      (r) =>
        !(
          r.direction === direction &&
          r.ipProtocol === rule.ipProtocol &&
          r.portRange === rule.portRange &&
          r.sourceCidrIp === rule.sourceCidrIp &&
          r.destCidrIp === rule.destCidrIp
        ),
    );
    return {};
  };
}

const DeleteSecurityGroup: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const sg = findSecurityGroup(ctx, region.regionId, ctx.p.req('SecurityGroupId'));
  const users = w
    .list('instance', region.regionId, ctx.accountId)
    .filter((i) => i.securityGroupIds.includes(sg.id));
  if (users.length > 0)
    throw new ApiError(
      'DependencyViolation',
      `There is still instance(s) in the specified security group: ${users.map((i) => i.id).join(', ')}.`,
      403,
    );
  w.remove(sg);
  return {};
};

// ---------------------------------------------------------------- key pairs

/** The SSH wire-format public key of an OpenSSH or PEM key, or undefined when it cannot be parsed. */
export function sshPublicKey(key: string): { openssh: string; fingerprint: string } | undefined {
  const parsed = ssh2.utils.parseKey(key);
  if (parsed instanceof Error) return undefined;
  const pub = parsed.getPublicSSH();
  const md5 = createHash('md5').update(pub).digest('hex');
  return {
    openssh: `${parsed.type} ${pub.toString('base64')}`,
    fingerprint: md5.match(/../g)?.join(':') ?? md5,
  };
}

function findKeyPair(ctx: CallContext, regionId: string, name: string): KeyPair {
  const kp = ctx.world.list('keypair', regionId, ctx.accountId).find((k) => k.name === name);
  if (!kp) throw notFound('KeyPairName', `The specified KeyPairName "${name}" does not exist.`);
  return kp;
}

function addKeyPair(
  ctx: CallContext,
  region: RegionInfo,
  name: string,
  publicKey: string,
  fingerprint: string,
): KeyPair {
  const w = ctx.world;
  if (!/^[\p{L}][\p{L}\p{N}._:-]{1,127}$/u.test(name) || /^https?:\/\//.test(name))
    throw new ApiError('InvalidKeyPairName.Malformed', `The specified KeyPairName "${name}" is not valid.`);
  if (w.list('keypair', region.regionId, ctx.accountId).some((k) => k.name === name))
    throw new ApiError('KeyPair.AlreadyExist', `The key pair "${name}" already exists.`);
  if (w.list('keypair', region.regionId, ctx.accountId).length >= w.quota(ctx.accountId, 'keyPairs'))
    throw new ApiError('QuotaExceeded.KeyPair', 'The number of key pairs has reached the quota.');
  const now = w.now();
  return w.add<KeyPair>({
    kind: 'keypair',
    id: name,
    regionId: region.regionId,
    accountId: ctx.accountId,
    createdAt: now,
    tags: tagsFrom(ctx),
    timeline: [{ at: now, status: 'Available' }],
    name,
    publicKey,
    fingerprint,
  });
}

const CreateKeyPair: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const name = ctx.p.req('KeyPairName');
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'pkcs1', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });
  const pub = sshPublicKey(privateKey);
  if (!pub)
    throw new ApiError('InternalError', 'The request processing has failed due to some unknown error.', 500);
  const kp = addKeyPair(ctx, region, name, pub.openssh, pub.fingerprint);
  return {
    KeyPairName: kp.name,
    KeyPairId: `kp-${region.idPrefix}${randomId(17)}`,
    KeyPairFingerPrint: kp.fingerprint,
    PrivateKeyBody: privateKey,
  };
};

const ImportKeyPair: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const name = ctx.p.req('KeyPairName');
  const body = ctx.p.req('PublicKeyBody');
  const pub = /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-\S+) /.test(body.trim())
    ? sshPublicKey(body.trim())
    : undefined;
  if (!pub)
    throw new ApiError(
      'InvalidPublicKeyBody.Malformed',
      'The specified PublicKeyBody is not a valid OpenSSH public key.',
    );
  const kp = addKeyPair(ctx, region, name, pub.openssh, pub.fingerprint);
  return { KeyPairName: kp.name, KeyPairFingerPrint: kp.fingerprint };
};

const DescribeKeyPairs: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const p = ctx.p;
  const name = p.str('KeyPairName');
  const re = name?.includes('*')
    ? new RegExp(`^${name.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`)
    : undefined;
  const tags = p.tags();
  const all = ctx.world
    .list('keypair', region.regionId, ctx.accountId)
    .filter((k) => name === undefined || (re ? re.test(k.name) : k.name === name))
    .filter((k) => p.str('KeyPairFingerPrint') === undefined || k.fingerprint === p.str('KeyPairFingerPrint'))
    .filter((k) => matchesTags(k.tags, tags));
  const page = paginate(all, p, { max: 50 });
  return {
    ...page.fields,
    KeyPairs: {
      KeyPair: page.items.map((k) => ({
        KeyPairName: k.name,
        KeyPairFingerPrint: k.fingerprint,
        PublicKey: k.publicKey,
        CreationTime: isoSeconds(k.createdAt),
        ResourceGroupId: '',
        Tags: ecsTags(k.tags),
      })),
    },
  };
};

const DeleteKeyPairs: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const names = ctx.p.jsonList('KeyPairNames');
  if (!names || names.length === 0)
    throw new ApiError('MissingParameter', 'KeyPairNames is mandatory for this action.');
  for (const name of names) {
    const kp = ctx.world.list('keypair', region.regionId, ctx.accountId).find((k) => k.name === name);
    if (kp) ctx.world.remove(kp);
  }
  return {};
};

function keyPairBinding(attach: boolean): Handler {
  return (ctx) => {
    const region = requireRegion(ctx);
    const w = ctx.world;
    const kp = findKeyPair(ctx, region.regionId, ctx.p.req('KeyPairName'));
    const ids = ctx.p.jsonList('InstanceIds') ?? [];
    if (ids.length === 0) throw new ApiError('MissingParameter', 'InstanceIds is mandatory for this action.');
    const results = ids.map((id) => {
      const instance = w.get('instance', region.regionId, id);
      if (!instance || instance.accountId !== ctx.accountId)
        return { InstanceId: id, Success: 'false', Code: '404', Message: 'InvalidInstanceId.NotFound' };
      if (attach) instance.keyPairName = kp.name;
      else if (instance.keyPairName === kp.name) instance.keyPairName = '';
      return { InstanceId: id, Success: 'true', Code: '200', Message: 'successful' };
    });
    const failed = results.filter((r) => r.Success === 'false').length;
    return {
      KeyPairName: kp.name,
      TotalCount: String(results.length),
      FailCount: String(failed),
      Results: { Result: results },
    };
  };
}

// ---------------------------------------------------------------- instances

/** Finds an instance in the request's region, or in any region for actions that take no RegionId. */
function findInstance(ctx: CallContext, regionId: string | undefined, id: string): Instance {
  const instance =
    regionId !== undefined
      ? ctx.world.get('instance', regionId, id)
      : ctx.world.list('instance', undefined, ctx.accountId).find((i) => i.id === id);
  if (!instance || instance.accountId !== ctx.accountId)
    throw notFound('InstanceId', `The specified InstanceId "${id}" does not exist.`);
  return instance;
}

function instanceView(ctx: CallContext, i: Instance): Record<string, unknown> {
  const w = ctx.world;
  const type = instanceTypeById(i.instanceType);
  const eip = i.eipAllocationId ? w.get('eip', i.regionId, i.eipAllocationId) : undefined;
  const image = w.get('image', i.regionId, i.imageId);
  return {
    InstanceId: i.id,
    InstanceName: i.name,
    HostName: i.hostName,
    Description: i.description,
    RegionId: i.regionId,
    ZoneId: i.zoneId,
    Status: w.status(i),
    InstanceType: i.instanceType,
    InstanceTypeFamily: type?.family ?? '',
    Cpu: type?.cpu ?? 0,
    Memory: (type?.memoryGiB ?? 0) * 1024,
    ImageId: i.imageId,
    OSType: image?.osType ?? 'linux',
    OSName: image?.osName ?? '',
    OSNameEn: image?.osNameEn ?? '',
    InstanceNetworkType: 'vpc',
    InstanceChargeType: i.chargeType,
    InternetChargeType: i.internetChargeType,
    InternetMaxBandwidthOut: i.internetMaxBandwidthOut,
    InternetMaxBandwidthIn: 200,
    SpotStrategy: i.spotStrategy,
    IoOptimized: i.ioOptimized,
    KeyPairName: i.keyPairName,
    CreationTime: isoMinutesOf(i.createdAt),
    StartTime: i.startedAt ? isoMinutesOf(i.startedAt) : '',
    ExpiredTime: '2099-12-31T15:59Z',
    StoppedMode: 'Not-applicable',
    DeletionProtection: false,
    SerialNumber: `sn-${i.id}`,
    PublicIpAddress: { IpAddress: i.publicIp ? [i.publicIp] : [] },
    InnerIpAddress: { IpAddress: [] },
    VpcAttributes: {
      VpcId: i.vpcId,
      VSwitchId: i.vswitchId,
      PrivateIpAddress: { IpAddress: [i.privateIp] },
      NatIpAddress: '',
    },
    EipAddress: {
      AllocationId: eip?.id ?? '',
      IpAddress: eip?.ipAddress ?? '',
      Bandwidth: eip ? Number(eip.bandwidth) : 0,
      InternetChargeType: eip?.internetChargeType ?? '',
      IsSupportUnassociate: true,
    },
    SecurityGroupIds: { SecurityGroupId: i.securityGroupIds },
    NetworkInterfaces: {
      NetworkInterface: [
        {
          NetworkInterfaceId: `eni-${i.id.slice(2)}`,
          PrimaryIpAddress: i.privateIp,
          MacAddress: '00:16:3e:00:00:01',
          Type: 'Primary',
          PrivateIpSets: { PrivateIpSet: [{ PrivateIpAddress: i.privateIp, Primary: true }] },
        },
      ],
    },
    OperationLocks: { LockReason: [] },
    ResourceGroupId: '',
    Tags: ecsTags(i.tags),
  };
}

const isoMinutesOf = (ms: number): string => `${new Date(ms).toISOString().slice(0, 16)}Z`;

interface LaunchSpec {
  count: number;
  start: boolean;
}

function launch(ctx: CallContext, spec: LaunchSpec): Instance[] {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const imageId = p.req('ImageId');
  const image = findUsableImage(ctx, region.regionId, imageId);
  const imageStatus = w.status(image);
  if (imageStatus !== 'Available')
    throw new ApiError(
      'InvalidImageId.NotAvailable',
      `The specified image is ${imageStatus} and cannot be used.`,
      403,
    );
  const instanceType = p.req('InstanceType');
  if (!instanceTypeById(instanceType))
    throw new ApiError(
      'InvalidInstanceType.ValueUnauthorized',
      `The specified InstanceType "${instanceType}" does not exist.`,
    );
  const vswitchId = p.str('VSwitchId');
  if (vswitchId === undefined)
    throw new ApiError(
      'InvalidVSwitchId.Missing',
      'A VSwitchId is required: only VPC-type instances can be created.',
    );
  const vsw = findVSwitch(ctx, region.regionId, vswitchId);
  if (w.status(vsw) !== 'Available')
    throw new ApiError(
      'IncorrectVSwitchStatus',
      'The current status of the VSwitch does not support this operation.',
    );
  const zoneId = p.str('ZoneId') ?? vsw.zoneId;
  if (!region.zones.includes(zoneId))
    throw new ApiError('InvalidZoneId.NotFound', `The specified ZoneId "${zoneId}" does not exist.`, 404);
  if (zoneId !== vsw.zoneId)
    throw new ApiError(
      'InvalidParameter.Mismatch',
      'The specified ZoneId does not match the zone of the VSwitch.',
    );
  if (!instanceTypesInZone(region, zoneId).includes(instanceType))
    throw new ApiError(
      'InvalidInstanceType.NotAvailable',
      `The specified InstanceType "${instanceType}" is not available in zone ${zoneId}.`,
      403,
    );
  const sgIds = [
    p.str('SecurityGroupId'),
    ...(p.jsonList('SecurityGroupIds') ?? []),
    ...p.repeated('SecurityGroupIds'),
  ].filter((s): s is string => s !== undefined && s !== '');
  if (sgIds.length === 0)
    throw new ApiError('MissingParameter', 'SecurityGroupId is mandatory for this action.');
  for (const id of sgIds) {
    const sg = findSecurityGroup(ctx, region.regionId, id);
    if (sg.vpcId !== vsw.vpcId)
      throw new ApiError(
        'InvalidSecurityGroupId.NotInVpc',
        `The security group ${id} does not belong to the VPC of the VSwitch.`,
      );
  }
  const keyPairName = p.str('KeyPairName');
  if (keyPairName !== undefined) findKeyPair(ctx, region.regionId, keyPairName);
  const password = p.str('Password') ?? '';
  if (password !== '' && (password.length < 8 || password.length > 30))
    throw new ApiError('InvalidPassword.Malformed', 'The password must be 8 to 30 characters long.');
  const category = p.str('SystemDisk.Category') ?? 'cloud_efficiency';
  if (!DISK_CATEGORIES.includes(category))
    throw new ApiError(
      'InvalidSystemDiskCategory.ValueNotSupported',
      `The disk category "${category}" is not supported.`,
    );
  const sysSize = p.int('SystemDisk.Size', Math.max(image.size, 20));
  if (sysSize < image.size || sysSize < 20 || sysSize > 2048)
    throw new ApiError(
      'InvalidSystemDiskSize',
      `The system disk size must be between ${Math.max(image.size, 20)} and 2048 GiB.`,
    );
  const dataDisks = p.structs('DataDisk');
  if (
    w.list('instance', region.regionId, ctx.accountId).length + spec.count >
    w.quota(ctx.accountId, 'instances')
  )
    throw new ApiError(
      'QuotaExceeded.Instance',
      'The number of instances in this region has reached the quota.',
      403,
    );
  const out: Instance[] = [];
  for (let n = 0; n < spec.count; n++) {
    const now = w.now();
    const id = w.newId('i', region);
    const mkDisk = (type: 'system' | 'data', size: number, cat: string, device: string, del: boolean): Disk =>
      w.add<Disk>({
        kind: 'disk',
        id: w.newId('d', region),
        regionId: region.regionId,
        accountId: ctx.accountId,
        createdAt: now,
        tags: new Map(),
        timeline: [{ at: now, status: 'In_use' }],
        name: '',
        zoneId,
        category: cat,
        performanceLevel: type === 'system' ? (p.str('SystemDisk.PerformanceLevel') ?? '') : '',
        size,
        type,
        instanceId: id,
        imageId: type === 'system' ? image.id : '',
        sourceSnapshotId: '',
        device,
        deleteWithInstance: del,
      });
    const sys = mkDisk('system', sysSize, category, '/dev/xvda', true);
    const data = dataDisks.map((d, k) =>
      mkDisk(
        'data',
        Number(d.Size ?? 20),
        d.Category ?? 'cloud_efficiency',
        `/dev/xvd${String.fromCharCode(98 + k)}`,
        d.DeleteWithInstance !== 'false',
      ),
    );
    const bandwidth = p.int('InternetMaxBandwidthOut', 0);
    const name = p.str('InstanceName') ?? id;
    const instance = w.add<Instance>({
      kind: 'instance',
      id,
      regionId: region.regionId,
      accountId: ctx.accountId,
      createdAt: now,
      tags: tagsFrom(ctx),
      timeline: [{ at: now, status: 'Pending' }],
      name: spec.count > 1 ? `${name}${String(n + 1).padStart(3, '0')}` : name,
      hostName: p.str('HostName') ?? `iZ${id.slice(2)}Z`,
      description: p.str('Description') ?? '',
      zoneId,
      instanceType,
      imageId: image.id,
      vpcId: vsw.vpcId,
      vswitchId: vsw.id,
      securityGroupIds: sgIds,
      privateIp: LOOPBACK,
      publicIp: spec.start && bandwidth > 0 ? LOOPBACK : '',
      eipAllocationId: '',
      keyPairName: keyPairName ?? '',
      password,
      chargeType: p.str('InstanceChargeType') ?? 'PostPaid',
      internetChargeType: p.str('InternetChargeType') ?? 'PayByTraffic',
      internetMaxBandwidthOut: bandwidth,
      spotStrategy: p.str('SpotStrategy') ?? 'NoSpot',
      userData: p.str('UserData') ?? '',
      ioOptimized: p.str('IoOptimized') !== 'none',
      systemDiskId: sys.id,
      dataDiskIds: data.map((d) => d.id),
      startedAt: 0,
    });
    if (spec.start) {
      instance.startedAt = now + w.delayMs('instanceCreate') + w.delayMs('instanceStart');
      w.transition(instance, [
        [w.delayMs('instanceCreate'), 'Starting'],
        [w.delayMs('instanceStart'), 'Running'],
      ]);
    } else {
      w.transition(instance, [[w.delayMs('instanceCreate'), 'Stopped']]);
    }
    out.push(instance);
  }
  return out;
}

const CreateInstance: Handler = (ctx) => {
  const [instance] = launch(ctx, { count: 1, start: false });
  return { InstanceId: instance?.id ?? '', OrderId: '' };
};

const RunInstances: Handler = (ctx) => {
  const amount = ctx.p.int('Amount', 1);
  if (amount < 1 || amount > 100) throw invalidParameter('Amount', 'Amount must be between 1 and 100.');
  const instances = launch(ctx, { count: amount, start: true });
  return { InstanceIdSets: { InstanceIdSet: instances.map((i) => i.id) }, OrderId: '', TradePrice: 0 };
};

const DescribeInstances: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const ids = p.jsonList('InstanceIds');
  const tags = p.tags();
  const name = p.str('InstanceName');
  const nameRe = name?.includes('*')
    ? new RegExp(`^${name.replace(/[.+^${}()|[\]\\?]/g, '\\$&').replace(/\*/g, '.*')}$`)
    : undefined;
  const all = w
    .list('instance', region.regionId, ctx.accountId)
    .filter((i) => !ids || ids.includes(i.id))
    .filter((i) => name === undefined || (nameRe ? nameRe.test(i.name) : i.name === name))
    .filter((i) => p.str('Status') === undefined || w.status(i) === p.str('Status'))
    .filter((i) => p.str('VpcId') === undefined || i.vpcId === p.str('VpcId'))
    .filter((i) => p.str('VSwitchId') === undefined || i.vswitchId === p.str('VSwitchId'))
    .filter((i) => p.str('ZoneId') === undefined || i.zoneId === p.str('ZoneId'))
    .filter((i) => p.str('ImageId') === undefined || i.imageId === p.str('ImageId'))
    .filter((i) => p.str('InstanceType') === undefined || i.instanceType === p.str('InstanceType'))
    .filter((i) => p.str('KeyPairName') === undefined || i.keyPairName === p.str('KeyPairName'))
    .filter(
      (i) =>
        p.str('SecurityGroupId') === undefined || i.securityGroupIds.includes(p.str('SecurityGroupId') ?? ''),
    )
    .filter((i) => matchesTags(i.tags, tags));
  const page = paginate(all, p, { nextToken: true });
  return { ...page.fields, Instances: { Instance: page.items.map((i) => instanceView(ctx, i)) } };
};

const DescribeInstanceStatus: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const ids = ctx.p.repeated('InstanceId');
  const all = w
    .list('instance', region.regionId, ctx.accountId)
    .filter((i) => ids.length === 0 || ids.includes(i.id))
    .filter((i) => ctx.p.str('ZoneId') === undefined || i.zoneId === ctx.p.str('ZoneId'));
  const page = paginate(all, ctx.p, { max: 50 });
  return {
    ...page.fields,
    InstanceStatuses: { InstanceStatus: page.items.map((i) => ({ InstanceId: i.id, Status: w.status(i) })) },
  };
};

const StartInstance: Handler = (ctx) => {
  const region = optionalRegion(ctx);
  const w = ctx.world;
  const instance = findInstance(ctx, region?.regionId, ctx.p.req('InstanceId'));
  const st = w.status(instance);
  if (st !== 'Stopped') throw incorrectInstanceStatus(st);
  instance.startedAt = w.now() + w.delayMs('instanceStart');
  w.transition(instance, [
    [0, 'Starting'],
    [w.delayMs('instanceStart'), 'Running'],
  ]);
  return {};
};

const StopInstance: Handler = (ctx) => {
  const region = optionalRegion(ctx);
  const w = ctx.world;
  const instance = findInstance(ctx, region?.regionId, ctx.p.req('InstanceId'));
  const st = w.status(instance);
  if (st !== 'Running' && !(st === 'Starting' && ctx.p.bool('ForceStop'))) throw incorrectInstanceStatus(st);
  w.transition(instance, [
    [0, 'Stopping'],
    [w.delayMs('instanceStop'), 'Stopped'],
  ]);
  return {};
};

const RebootInstance: Handler = (ctx) => {
  const region = optionalRegion(ctx);
  const w = ctx.world;
  const instance = findInstance(ctx, region?.regionId, ctx.p.req('InstanceId'));
  const st = w.status(instance);
  if (st !== 'Running') throw incorrectInstanceStatus(st);
  w.transition(instance, [
    [0, 'Stopping'],
    [w.delayMs('instanceStop'), 'Starting'],
    [w.delayMs('instanceStart'), 'Running'],
  ]);
  return {};
};

function destroyInstance(ctx: CallContext, instance: Instance, force: boolean): void {
  const w = ctx.world;
  const st = w.status(instance);
  if (st !== 'Stopped' && st !== 'Pending' && !force) throw incorrectInstanceStatus(st);
  if (instance.eipAllocationId) {
    const eip = w.get('eip', instance.regionId, instance.eipAllocationId);
    if (eip) {
      eip.instanceId = '';
      w.transition(eip, [[0, 'Available']]);
    }
  }
  for (const d of w
    .list('disk', instance.regionId, instance.accountId)
    .filter((x) => x.instanceId === instance.id)) {
    if (d.deleteWithInstance) w.remove(d);
    else {
      d.instanceId = '';
      w.transition(d, [[0, 'Available']]);
    }
  }
  w.remove(instance);
}

const DeleteInstance: Handler = (ctx) => {
  const region = optionalRegion(ctx);
  destroyInstance(ctx, findInstance(ctx, region?.regionId, ctx.p.req('InstanceId')), ctx.p.bool('Force'));
  return {};
};

const DeleteInstances: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const ids = ctx.p.repeated('InstanceId');
  if (ids.length === 0) throw new ApiError('MissingParameter', 'InstanceId.N is mandatory for this action.');
  const instances = ids.map((id) => findInstance(ctx, region.regionId, id));
  for (const i of instances) destroyInstance(ctx, i, ctx.p.bool('Force'));
  return {};
};

const AllocatePublicIpAddress: Handler = (ctx) => {
  const region = optionalRegion(ctx);
  const instance = findInstance(ctx, region?.regionId, ctx.p.req('InstanceId'));
  const st = ctx.world.status(instance);
  if (st !== 'Running' && st !== 'Stopped') throw incorrectInstanceStatus(st);
  instance.publicIp = LOOPBACK;
  return { IpAddress: LOOPBACK };
};

export const ecsHandlers: Record<string, Handler> = {
  DescribeRegions,
  DescribeZones,
  DescribeAvailableResource,
  DescribeInstanceTypes,
  DescribeAccountAttributes,
  DescribeImages,
  CreateImage,
  CopyImage,
  CancelCopyImage,
  ModifyImageSharePermission,
  DescribeImageSharePermission,
  ModifyImageAttribute,
  DeleteImage,
  DescribeSnapshots,
  CreateSnapshot,
  DeleteSnapshot,
  DescribeDisks,
  ExportImage,
  DescribeTasks,
  DescribeTaskAttribute,
  CreateSecurityGroup,
  DescribeSecurityGroups,
  DescribeSecurityGroupAttribute,
  AuthorizeSecurityGroup: authorize('ingress'),
  AuthorizeSecurityGroupEgress: authorize('egress'),
  RevokeSecurityGroup: revoke('ingress'),
  RevokeSecurityGroupEgress: revoke('egress'),
  DeleteSecurityGroup,
  CreateKeyPair,
  ImportKeyPair,
  DescribeKeyPairs,
  DeleteKeyPairs,
  AttachKeyPair: keyPairBinding(true),
  DetachKeyPair: keyPairBinding(false),
  CreateInstance,
  RunInstances,
  DescribeInstances,
  DescribeInstanceStatus,
  StartInstance,
  StopInstance,
  RebootInstance,
  DeleteInstance,
  DeleteInstances,
  AllocatePublicIpAddress,
  ...networkHandlers,
  ...tagHandlers,
  ...ecsOnlyTagHandlers,
};

/** VPC (2016-04-28) actions. */
export const vpcHandlers: Record<string, Handler> = {
  DescribeRegions,
  DescribeZones: (ctx) => {
    const region = requireRegion(ctx);
    return {
      Zones: {
        Zone: region.zones.map((z) => ({
          ZoneId: z,
          LocalName: `${region.localName} Zone ${z.slice(-1).toUpperCase()}`,
        })),
      },
    };
  },
  ...networkHandlers,
  ...tagHandlers,
};

/** ECS-API actions that exist in the VPC API too: RAM accepts either `ecs:` or `vpc:` permission for them. */
export const VPC_ACTIONS = new Set(Object.keys(networkHandlers));
