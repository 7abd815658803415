/** Static catalogue: regions and zones from the provider guide, instance types, seeded public images. */

export interface RegionInfo {
  regionId: string;
  localName: string;
  /** Three characters used inside resource IDs, as the real IDs carry (`i-bp1…` in Hangzhou). */
  idPrefix: string;
  zones: string[];
}

const R = (regionId: string, localName: string, idPrefix: string, zoneLetters: string): RegionInfo => ({
  regionId,
  localName,
  idPrefix,
  zones: [...zoneLetters].map((l) => `${regionId}-${l}`),
});

export const REGIONS: readonly RegionInfo[] = [
  R('cn-hangzhou', 'China (Hangzhou)', 'bp1', 'bfghijk'),
  R('cn-shanghai', 'China (Shanghai)', 'uf6', 'befglm'),
  R('cn-beijing', 'China (Beijing)', '2ze', 'acfghijkl'),
  R('cn-shenzhen', 'China (Shenzhen)', 'wz9', 'acdef'),
  R('cn-zhangjiakou', 'China (Zhangjiakou)', '8vb', 'abc'),
  R('cn-huhehaote', 'China (Hohhot)', 'hp3', 'ab'),
  R('cn-wulanchabu', 'China (Ulanqab)', '0jl', 'abc'),
  R('cn-chengdu', 'China (Chengdu)', '2vc', 'ab'),
  R('cn-hongkong', 'China (Hong Kong)', 'j6c', 'bcd'),
  R('ap-southeast-1', 'Singapore', 't4n', 'abc'),
  R('ap-southeast-2', 'Australia (Sydney)', 'p0w', 'ab'),
  R('ap-southeast-3', 'Malaysia (Kuala Lumpur)', '8ps', 'ab'),
  R('ap-southeast-5', 'Indonesia (Jakarta)', 'k1a', 'abc'),
  R('ap-southeast-6', 'Philippines (Manila)', '5ts', 'a'),
  R('ap-southeast-7', 'Thailand (Bangkok)', '0jo', 'a'),
  R('ap-south-1', 'India (Mumbai)', 'a2d', 'ab'),
  R('ap-northeast-1', 'Japan (Tokyo)', '6we', 'abc'),
  R('ap-northeast-2', 'South Korea (Seoul)', 'mj7', 'a'),
  R('eu-west-1', 'UK (London)', 'd7o', 'ab'),
  R('eu-central-1', 'Germany (Frankfurt)', 'gw8', 'ab'),
  R('us-west-1', 'US (Silicon Valley)', 'rj9', 'ab'),
  R('us-east-1', 'US (Virginia)', '0xi', 'ab'),
  R('me-east-1', 'UAE (Dubai)', 'eb3', 'a'),
];

export const regionById = (id: string): RegionInfo | undefined => REGIONS.find((r) => r.regionId === id);

export interface InstanceTypeInfo {
  instanceTypeId: string;
  family: string;
  cpu: number;
  memoryGiB: number;
  useCase: string;
}

export const INSTANCE_TYPES: readonly InstanceTypeInfo[] = [
  { instanceTypeId: 'ecs.t6-c1m1.large', family: 'ecs.t6', cpu: 2, memoryGiB: 2, useCase: 'Minimal builds' },
  { instanceTypeId: 'ecs.g6.large', family: 'ecs.g6', cpu: 2, memoryGiB: 8, useCase: 'Development' },
  { instanceTypeId: 'ecs.g6.xlarge', family: 'ecs.g6', cpu: 4, memoryGiB: 16, useCase: 'General purpose' },
  { instanceTypeId: 'ecs.g7.xlarge', family: 'ecs.g7', cpu: 4, memoryGiB: 16, useCase: 'Latest generation' },
  { instanceTypeId: 'ecs.c6.xlarge', family: 'ecs.c6', cpu: 4, memoryGiB: 8, useCase: 'Compute-optimized' },
  { instanceTypeId: 'ecs.r6.xlarge', family: 'ecs.r6', cpu: 4, memoryGiB: 32, useCase: 'Memory-optimized' },
];

export const instanceTypeById = (id: string): InstanceTypeInfo | undefined =>
  INSTANCE_TYPES.find((t) => t.instanceTypeId === id);

/**
 * Instance types sold in a zone. The first zone of every region is an older one without the
 * latest generation (ecs.g7), so `InvalidInstanceType.NotAvailable` can be exercised.
 */
export function instanceTypesInZone(region: RegionInfo, zoneId: string): string[] {
  const all = INSTANCE_TYPES.map((t) => t.instanceTypeId);
  if (region.zones.length > 1 && region.zones[0] === zoneId) return all.filter((t) => t !== 'ecs.g7.xlarge');
  return all;
}

export const DISK_CATEGORIES = ['cloud_efficiency', 'cloud_ssd', 'cloud_essd', 'cloud_auto'];

export interface PublicImageSeed {
  imageId: string;
  imageName: string;
  ownerAlias: 'system' | 'marketplace';
  osType: 'linux' | 'windows';
  osName: string;
  osNameEn: string;
  platform: string;
  architecture: string;
  size: number;
  productCode?: string;
  imageFamily?: string;
}

/** Public images seeded in every region. System image IDs equal their names, as on the real cloud. */
export function publicImages(region: RegionInfo): PublicImageSeed[] {
  const sys = (
    imageId: string,
    osName: string,
    platform: string,
    osType: 'linux' | 'windows' = 'linux',
    size = 20,
    imageFamily?: string,
  ): PublicImageSeed => ({
    imageId,
    imageName: imageId,
    ownerAlias: 'system',
    osType,
    osName,
    osNameEn: osName,
    platform,
    architecture: 'x86_64',
    size,
    ...(imageFamily ? { imageFamily } : {}),
  });
  return [
    sys(
      'ubuntu_22_04_x64_20G_alibase_20240130.vhd',
      'Ubuntu  22.04 64 bit',
      'Ubuntu',
      'linux',
      20,
      'acs:ubuntu_22_04_x64',
    ),
    sys(
      'ubuntu_24_04_x64_20G_alibase_20240812.vhd',
      'Ubuntu  24.04 64 bit',
      'Ubuntu',
      'linux',
      20,
      'acs:ubuntu_24_04_x64',
    ),
    sys('ubuntu_20_04_x64_20G_alibase_20230907.vhd', 'Ubuntu  20.04 64 bit', 'Ubuntu'),
    sys('debian_12_6_x64_20G_alibase_20240823.vhd', 'Debian  12.6 64 bit', 'Debian'),
    sys('aliyun_3_x64_20G_alibase_20240819.vhd', 'Alibaba Cloud Linux  3.2104 LTS 64 bit', 'Aliyun'),
    sys('centos_7_9_x64_20G_alibase_20240628.vhd', 'CentOS  7.9 64 bit', 'CentOS'),
    sys(
      'win2022_21H2_x64_dtc_en-us_40G_alibase_20240816.vhd',
      'Windows Server  2022 Datacenter 64 bit',
      'Windows Server 2022',
      'windows',
      40,
    ),
    {
      imageId: `m-${region.idPrefix}market00docker01`,
      imageName: 'Docker CE on Ubuntu 22.04 (marketplace)',
      ownerAlias: 'marketplace',
      osType: 'linux',
      osName: 'Ubuntu  22.04 64 bit',
      osNameEn: 'Ubuntu  22.04 64 bit',
      platform: 'Ubuntu',
      architecture: 'x86_64',
      size: 40,
      productCode: 'cmjj000001',
    },
  ];
}
