/**
 * The shape of a validated sindri.yaml after schema defaults are applied.
 * `schemas/sindri.schema.json` is the source of truth; this file mirrors it for the compiler.
 */

export type SystemDiskCategory =
  | 'cloud'
  | 'cloud_efficiency'
  | 'cloud_ssd'
  | 'cloud_essd'
  | 'cloud_auto'
  | 'cloud_essd_entry';
export type DiskPerformanceLevel = 'PL0' | 'PL1' | 'PL2' | 'PL3';
export type SpotStrategy = 'NoSpot' | 'SpotWithPriceLimit' | 'SpotAsPriceGo';
export type InternetChargeType = 'PayByTraffic' | 'PayByBandwidth';

export interface SecurityConfig {
  cis_hardening: boolean;
  clean_sensitive_data: boolean;
  remove_ssh_keys: boolean;
}

export interface FileUpload {
  /** Path on the machine running sindri, relative to the config file. */
  source: string;
  /** Absolute path on the build instance. */
  destination: string;
}

export interface BuildConfig {
  sindri_version?: string;
  cache: boolean;
  ssh_timeout: string;
  ssh_username: string;
  ssh_port: number;
  security: SecurityConfig;
  /** User shell scripts run after the catalogue's extensions, paths relative to the config file. */
  scripts: string[];
  /** Environment variables exported to every provisioning script. */
  environment: Record<string, string>;
  files: FileUpload[];
  /** How packer reaches the build instance (see `Communicator`). */
  communicator: Communicator;
  /** The SSH jump host of an `ssh-private` build. */
  bastion?: BastionConfig;
  /** Package mirrors used while the instance is provisioned. */
  mirrors: MirrorsSetting;
  /** Whether the image keeps those mirrors or gets its own sources back. */
  mirrors_in_image: 'restore' | 'keep';
}

/**
 * `ssh`: SSH over a temporary public address (packer's default). `ssh-private`: SSH to the private
 * address, for a runner inside the VPC or through a bastion. `cloud-assistant`: no public address and
 * no inbound rule; scripts, uploads and checks go through the Cloud Assistant agent.
 */
export type Communicator = 'ssh' | 'ssh-private' | 'cloud-assistant';

export interface BastionConfig {
  host: string;
  port: number;
  username: string;
  /** Relative to the config file (without it, the SSH agent). */
  private_key_file?: string;
}

/** Custom package mirrors: base URLs. */
export interface CustomMirrors {
  apt?: string;
  yum?: string;
  pip?: string;
  npm?: string;
  docker?: string;
}

export type MirrorsSetting = 'aliyun-intranet' | 'aliyun-public' | 'none' | CustomMirrors;

export interface EndpointsConfig {
  ecs?: string;
  vpc?: string;
  ram?: string;
  sts?: string;
}

export interface AlibabaConfig {
  region: string;
  zone_id?: string;
  /** One instance type, or candidates in order of preference (see `instanceTypes`). */
  instance_type: string | string[];
  /** Public or custom image ID to start from. Mutually exclusive with image_family. */
  source_image?: string;
  /** The family the build starts from (packer >= 1.7): its newest image. */
  image_family?: string;
  /** Newer versions of the source image, as a name glob (`sindri packer outdated`). */
  source_image_pattern?: string;
  system_disk_size_gb: number;
  system_disk_category: SystemDiskCategory;
  system_disk_performance_level?: DiskPerformanceLevel;
  vpc_id?: string;
  vswitch_id?: string;
  security_group_id?: string;
  vpc_cidr_block?: string;
  vswitch_cidr_block?: string;
  image_encrypted: boolean;
  kms_key_id?: string;
  /** Region → KMS key; a region not listed uses kms_key_id. */
  kms_key_ids?: Record<string, string>;
  image_copy_regions: string[];
  image_share_accounts: string[];
  spot_strategy: SpotStrategy;
  spot_price_limit?: number;
  associate_public_ip_address: boolean;
  internet_charge_type: InternetChargeType;
  internet_max_bandwidth_out: number;
  user_data?: string;
  user_data_file?: string;
  resource_group_id?: string;
  /** A profile of ~/.aliyun/config.json or ~/.alibabacloud/credentials, tried before any other source. */
  credentials_profile?: string;
  endpoints?: EndpointsConfig;
}

export interface RetentionConfig {
  keep?: number;
  delete_after_days?: number;
}

export interface PackerProviderConfig {
  cloud: 'alibaba';
  image_name: string;
  description?: string;
  /** The family the built image and its copies join. */
  image_family?: string;
  build: BuildConfig;
  alibaba: AlibabaConfig;
  tags: Record<string, string>;
  retention?: RetentionConfig;
}

/** Where an extension installs from: the vendor's own repository or download, or the distribution's packages. */
export type ExtensionSource = 'upstream' | 'distro';

export interface SindriConfig {
  version: string;
  name: string;
  deployment: { provider: 'packer' };
  extensions: {
    profile?: string;
    additional: string[];
    /** Unset: upstream. */
    source?: ExtensionSource;
    /** Per extension, over `source`. */
    sources?: Record<string, ExtensionSource>;
  };
  tests: TestsConfig;
  providers: { packer: PackerProviderConfig };
  /** Defaulted by the loader; optional for configurations made in code. */
  notifications?: NotificationsConfig;
}

export type WebhookFormat = 'json' | 'dingtalk' | 'lark' | 'slack';
export type NotificationEventName =
  | 'build-succeeded'
  | 'build-failed'
  | 'test-failed'
  | 'promoted'
  | 'revoked';

export interface WebhookConfig {
  name?: string;
  format: WebhookFormat;
  /** The environment variable holding the address (never the address itself). */
  url_env: string;
  /** The environment variable holding the signing secret. */
  secret_env?: string;
  /** Unset: every event. */
  events?: NotificationEventName[];
  retries: number;
  timeout_seconds: number;
}

export interface NotificationsConfig {
  webhooks: WebhookConfig[];
}

/** One check of the test stage: exactly one of the kinds, with its options. */
export type TestCheck = { name?: string; timeout_seconds?: number } & (
  | { command: string; exit_code?: number; stdout?: string; stderr?: string }
  | { file: string; exists?: boolean; mode?: string; owner?: string; contains?: string }
  | { package: string }
  | { user: string }
  | { group: string }
  | { port: number }
  | { service: string }
);

export interface TestsConfig {
  enabled: boolean;
  builtin: boolean;
  timeout_seconds: number;
  sbom: boolean;
  checks: TestCheck[];
}

/** The candidate instance types of a build, in order of preference. */
export function instanceTypes(alibaba: Pick<AlibabaConfig, 'instance_type'>): string[] {
  return typeof alibaba.instance_type === 'string' ? [alibaba.instance_type] : [...alibaba.instance_type];
}
