/** Catalogue actions: regions, zones, what each zone sells, instance types. */
import {
  DISK_CATEGORIES,
  INSTANCE_TYPES,
  instanceTypeById,
  instanceTypesInZone,
  REGIONS,
} from '../catalog.ts';
import { type Handler, requireRegion } from '../context.ts';
import { ApiError, invalidParameter } from '../errors.ts';
import { paginate } from '../params.ts';

export const DescribeRegions: Handler = (ctx) => ({
  Regions: {
    Region: REGIONS.map((r) => ({
      RegionId: r.regionId,
      LocalName: r.localName,
      RegionEndpoint: `${ctx.product}.${r.regionId}.aliyuncs.com`,
      Status: 'available',
    })),
  },
});

export const DescribeZones: Handler = (ctx) => {
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

export const DescribeAvailableResource: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
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
  // A type out of stock in a zone is reported so, unless the stock-out is hidden (it ran out since).
  const stock = (zoneId: string, type: string) => {
    const out = w.stockOut(region.regionId, zoneId, type);
    return out && !out.hidden ? { Status: 'SoldOut', StatusCategory: 'WithoutStock' } : {};
  };
  const resourcesFor = (zoneId: string): Array<Record<string, unknown>> => {
    const types = instanceTypesInZone(region, zoneId);
    switch (dest) {
      case 'Zone':
        return [{ Type: 'Zone', SupportedResources: { SupportedResource: [value(zoneId)] } }];
      case 'IoOptimized':
        return [{ Type: 'IoOptimized', SupportedResources: { SupportedResource: [value('optimized')] } }];
      case 'InstanceType':
        return [
          {
            Type: 'InstanceType',
            SupportedResources: {
              SupportedResource: types
                .filter((t) => typeFilter === undefined || t === typeFilter)
                .map((t) => value(t, stock(zoneId, t))),
            },
          },
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

export const DescribeInstanceTypes: Handler = (ctx) => {
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

/** The VPC API's DescribeZones: the zones, without what ECS sells in them. */
export const DescribeVpcZones: Handler = (ctx) => {
  const region = requireRegion(ctx);
  return {
    Zones: {
      Zone: region.zones.map((z) => ({
        ZoneId: z,
        LocalName: `${region.localName} Zone ${z.slice(-1).toUpperCase()}`,
      })),
    },
  };
};
