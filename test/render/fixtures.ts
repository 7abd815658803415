/**
 * Fully defaulted SindriConfig objects for render tests, built by hand so these tests do not depend on
 * the loader. They mirror the guide's examples with the schema's defaults filled in.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlibabaConfig, BuildConfig, SindriConfig } from '../../src/config/types.ts';

export const DEFAULT_SOURCE_IMAGE = 'ubuntu_22_04_x64_20G_alibase_20240130.vhd';

export function defaultBuild(over: Partial<BuildConfig> = {}): BuildConfig {
  return {
    cache: true,
    ssh_timeout: '20m',
    ssh_username: 'root',
    ssh_port: 22,
    security: { cis_hardening: false, clean_sensitive_data: true, remove_ssh_keys: true },
    scripts: [],
    environment: {},
    files: [],
    communicator: 'ssh',
    mirrors: 'none',
    mirrors_in_image: 'restore',
    ...over,
  };
}

export function defaultAlibaba(over: Partial<AlibabaConfig> = {}): AlibabaConfig {
  return {
    region: 'cn-hangzhou',
    instance_type: 'ecs.g6.xlarge',
    source_image: DEFAULT_SOURCE_IMAGE,
    system_disk_size_gb: 80,
    system_disk_category: 'cloud_essd',
    image_encrypted: false,
    image_copy_regions: [],
    image_share_accounts: [],
    spot_strategy: 'NoSpot',
    associate_public_ip_address: true,
    internet_charge_type: 'PayByTraffic',
    internet_max_bandwidth_out: 100,
    ...over,
  };
}

export interface ConfigParts {
  name?: string;
  profile?: string;
  additional?: string[];
  image_name?: string;
  description?: string;
  build?: Partial<BuildConfig>;
  alibaba?: Partial<AlibabaConfig>;
  tags?: Record<string, string>;
}

export function makeConfig(parts: ConfigParts = {}): SindriConfig {
  const name = parts.name ?? 'my-sindri-image';
  const extensions: SindriConfig['extensions'] = { additional: parts.additional ?? [] };
  if (parts.profile !== undefined) extensions.profile = parts.profile;
  const packer: SindriConfig['providers']['packer'] = {
    cloud: 'alibaba',
    image_name: parts.image_name ?? name,
    build: defaultBuild(parts.build),
    alibaba: defaultAlibaba(parts.alibaba),
    tags: parts.tags ?? {},
  };
  if (parts.description !== undefined) packer.description = parts.description;
  return {
    version: '1.0',
    name,
    deployment: { provider: 'packer' },
    extensions,
    tests: { enabled: true, builtin: true, timeout_seconds: 120, sbom: true, checks: [] },
    providers: { packer },
  };
}

/** The guide's "Basic sindri.yaml Configuration". */
export function guideBasic(): SindriConfig {
  return makeConfig({
    name: 'my-sindri-image',
    profile: 'fullstack',
    additional: ['docker', 'node'],
    image_name: 'sindri-dev',
    description: 'Sindri development environment',
    alibaba: { region: 'cn-hangzhou', instance_type: 'ecs.g6.xlarge', system_disk_size_gb: 80 },
  });
}

/** The guide's "Production Configuration". */
export function guideProduction(): SindriConfig {
  return makeConfig({
    name: 'sindri-production',
    profile: 'fullstack',
    additional: ['docker', 'kubernetes', 'monitoring'],
    image_name: 'sindri-production',
    description: 'Production Sindri environment with security hardening',
    build: {
      sindri_version: '3.0.0',
      cache: true,
      ssh_timeout: '25m',
      security: { cis_hardening: true, clean_sensitive_data: true, remove_ssh_keys: true },
    },
    alibaba: {
      instance_type: 'ecs.g7.xlarge',
      system_disk_size_gb: 100,
      system_disk_performance_level: 'PL1',
      vswitch_id: 'vsw-bp1xxxx',
      security_group_id: 'sg-bp1xxxx',
      image_encrypted: true,
      image_copy_regions: ['cn-shanghai', 'cn-beijing'],
      image_share_accounts: ['1234567890123456'],
    },
    tags: { Environment: 'production', Team: 'platform', ManagedBy: 'sindri' },
  });
}

/** The guide's "Multi-Region Configuration". */
export function guideMultiRegion(): SindriConfig {
  return makeConfig({
    image_name: 'sindri-global',
    alibaba: {
      region: 'ap-southeast-1',
      image_copy_regions: ['cn-hangzhou', 'ap-northeast-1', 'eu-central-1', 'us-west-1'],
    },
  });
}

/** The guide's "Cost-Optimized Configuration". */
export function guideCostOptimized(): SindriConfig {
  return makeConfig({
    alibaba: {
      region: 'cn-zhangjiakou',
      instance_type: 'ecs.t6-c1m1.large',
      system_disk_size_gb: 60,
      system_disk_category: 'cloud_efficiency',
      spot_strategy: 'SpotAsPriceGo',
      spot_price_limit: 0.5,
    },
  });
}

export const GUIDE_CONFIGS = {
  basic: guideBasic,
  production: guideProduction,
  'multi-region': guideMultiRegion,
  'cost-optimized': guideCostOptimized,
} as const;

export const RENDER_OPTS = {
  packerVersion: '1.6.6',
  buildId: 'b-20260101-000000-abcdef',
  sindriVersion: '0.1.0',
  configDir: process.cwd(),
};

/** Environment for running the real packer offline: fake credentials, no update check. */
export function packerEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: tmpdir(),
    CHECKPOINT_DISABLE: '1',
    ALICLOUD_ACCESS_KEY: 'LTAI-FAKE-KEY',
    ALICLOUD_SECRET_KEY: 'LTAI-FAKE-SECRET',
    ALICLOUD_REGION: 'cn-hangzhou',
    ...extra,
  };
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sindri-render-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const FIXTURE_DIR = join(import.meta.dirname, '..', 'fixtures', 'render');

/** Every renderable key set: uploads, user scripts, environment, user data, networking, a non-root user. */
export function fullConfig(): SindriConfig {
  return makeConfig({
    name: 'sindri-full',
    profile: 'devops',
    additional: ['python', 'golang', 'rust', 'java', 'node'],
    image_name: 'sindri-full',
    description: 'Every key sindri renders',
    build: {
      sindri_version: '3.1.0',
      ssh_timeout: '30m',
      ssh_username: 'ecs-user',
      ssh_port: 2222,
      security: { cis_hardening: true, clean_sensitive_data: true, remove_ssh_keys: true },
      scripts: ['setup-app.sh'],
      environment: { APP_NAME: 'demo', HTTP_PROXY_URL: 'http://proxy.example.com:3128' },
      files: [
        { source: 'files/motd', destination: '/etc/motd' },
        { source: 'files/conf.d', destination: '/etc/app/conf.d' },
      ],
    },
    alibaba: {
      region: 'cn-shanghai',
      zone_id: 'cn-shanghai-b',
      instance_type: 'ecs.g7.large',
      system_disk_size_gb: 120,
      system_disk_category: 'cloud_essd',
      system_disk_performance_level: 'PL1',
      vpc_id: 'vpc-uf6xxxx',
      vswitch_id: 'vsw-uf6xxxx',
      security_group_id: 'sg-uf6xxxx',
      vpc_cidr_block: '172.16.0.0/16',
      associate_public_ip_address: true,
      internet_charge_type: 'PayByBandwidth',
      internet_max_bandwidth_out: 50,
      user_data_file: 'user-data.sh',
    },
    tags: { Environment: 'staging', Owner: 'platform@example.com' },
  });
}
