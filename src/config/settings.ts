/**
 * Every sindri.yaml setting, declared once: its key, the flag that overrides it, the alicloud-ecs
 * attribute it is rendered as, and what docs/packer-mapping.md says about it. The command-line flags
 * (src/cli/flags.ts), the loader's overrides, the template's view of the alibaba keys, the
 * configuration hash, the map from `packer validate` diagnostics back to keys and the mapping doc's
 * tables (scripts/mapping-docs.ts) all derive from this table.
 *
 * schemas/sindri.schema.json still says what a value may be; test/config/settings.test.ts keeps the
 * two in step (every schema key is here, every key here is in the schema, flag kinds match types), and
 * test/render/settings.test.ts keeps the template in step with the `packer` attributes.
 * Table order is the order of the flags in --help and of the rows within each section of the doc.
 * Longer than 300 lines because it is one table, one entry per setting: split, it would stop being
 * the single place a key is declared.
 */
import { FALLBACK_REGION, REGION_ENV_VARS } from '../cloud/region.ts';

/** `list`: comma-separated text, set as a list of strings. */
export type FlagKind = 'string' | 'integer' | 'boolean' | 'list';

export interface SettingFlag {
  /** Without the dashes: `instance-type`. */
  readonly name: string;
  /** What it sets; --help adds the key: "Build instance type (providers.packer.alibaba.instance_type)". */
  readonly summary: string;
  readonly kind: FlagKind;
  /** Where the value comes from when neither the flag nor the file gives one, for --help. */
  readonly fallback?: string;
}

interface SettingBase {
  /** Dotted path in sindri.yaml. */
  readonly key: string;
  readonly flag?: SettingFlag;
  /** False for how sindri reaches the cloud rather than what the image is: changing it keeps the cache. */
  readonly inConfigHash?: false;
}

/** A setting is rendered as an attribute of the alicloud-ecs source, or the doc says what happens instead. */
export type Setting = SettingBase &
  (
    | {
        /** The source attribute, `block.attribute` inside a nested block. */
        readonly packer: string;
        /** The doc's text when there is more to say than the attribute's name. */
        readonly handling?: string;
      }
    | { readonly packer?: undefined; readonly handling: string }
  );

const NOT_RENDERED = 'Validated by the loader; part of the hash; not rendered.';
const EXTENSIONS =
  "Resolved through `templates/catalogue.yaml` (profile first, then additional, each once). Each extension's `templates/scripts/extensions/<name>.sh` runs in one `shell` provisioner; `SINDRI_EXTENSIONS` lists them. An unknown name fails rendering with its key path.";
const EXTENSION_SOURCE =
  "`SINDRI_EXTENSION_SOURCE_<NAME>=upstream|distro` for each extension's script (`sources` over `source`). An extension whose only source is its distribution's packages uses them either way; `distro` for an extension without a distro source fails rendering with its key path and the catalogue's reason.";
const ENCRYPTION =
  "**sindri's distribution step**, not the template: after the build sindri makes the encrypted copy with the ECS API (`CopyImage` with `Encrypted`/`KMSKeyId`). Packer 1.6.6 has `image_encrypted` but no KMS key, so sindri does both the same way. None of these fields is rendered.";
const SPOT =
  '**Not a builder field** (neither 1.6.6 nor the plugin has a spot option). Spot pricing would only apply to the temporary build instance, never to the image, so the build goes ahead pay-as-you-go and sindri prints a **warning** naming the key every time (`RenderedTemplate.warnings`, also reported by `sindri packer validate`). Nothing is rendered.';

const COMMUNICATOR =
  '`ssh` (default): `communicator = "ssh"` over packer\'s temporary EIP. `ssh-private`: `ssh_private_ip = true` (no EIP; the runner must reach the private address, or go through `bastion`). `cloud-assistant`: `communicator = "none"`, `ssh_private_ip = true`, `associate_public_ip_address = false` and `internet_max_bandwidth_out = 0` (no EIP and no public address with packer 1.6.6 and the plugin), sindri\'s own security group `sindri-<build ID>` with no inbound rule, and every script and upload a `shell-local` provisioner that runs sindri\'s Cloud Assistant helper (`dist/src/packer/cloud-assistant.js`): it finds the instance by its name, waits for the agent (`DescribeCloudAssistantStatus`), sends files (`SendFile`), runs each script (`RunCommand`, `DescribeInvocationResults`) streaming its output, and exits with its exit code. The test stage runs its checks the same way.';

export const SETTINGS = [
  { key: 'version', handling: NOT_RENDERED },
  { key: 'deployment.provider', handling: NOT_RENDERED },
  { key: 'name', handling: 'The default of `providers.packer.image_name` (loader).' },

  { key: 'providers.packer.cloud', handling: 'Only `alibaba`: the `alicloud-ecs` source.' },
  {
    key: 'providers.packer.image_name',
    flag: { name: 'name', summary: 'Image name', kind: 'string' },
    packer: 'image_name',
  },
  { key: 'providers.packer.description', packer: 'image_description' },
  {
    key: 'providers.packer.image_family',
    inConfigHash: false,
    handling:
      "**sindri's distribution step** (`join-family`): `ModifyImageAttribute` `ImageFamily` on the image and on every copy, in every region. Packer 1.6.6's `CreateImage` has no family, the plugin's `target_image_family` reaches the build region's image only, and `CopyImage` takes none (a copy does not inherit its source's). Not rendered, not part of the hash (a changed family joins the images of the cached build).",
  },
  {
    key: 'providers.packer.tags',
    packer: 'tags',
    handling:
      '`tags = { … }` on the source: packer tags the image and its snapshots. sindri adds `ManagedBy = "sindri"`, `sindri:version` (the CLI\'s version), `sindri:config-hash` and `sindri:build-id` (`var.build_id`); these win over user tags of the same name.',
  },
  {
    key: 'providers.packer.retention',
    handling:
      "sindri's distribution step (after a build, `packer distribute`, `packer capture`): older images of the same name beyond `keep` are deprecated, and those older than `delete_after_days` deleted. Not rendered.",
  },

  {
    key: 'providers.packer.alibaba.region',
    flag: {
      name: 'region',
      summary: 'Region',
      kind: 'string',
      fallback: `config region, ${REGION_ENV_VARS[0]}, or ${FALLBACK_REGION}`,
    },
    packer: 'region',
  },
  {
    key: 'providers.packer.alibaba.zone_id',
    packer: 'zone_id',
    handling:
      "`zone_id`. Unset: `zone_id = var.zone_id`, which the preflight sets to a zone where a candidate instance type and the system disk category are in stock (`DescribeAvailableResource`), in the VSwitch's zone when one is configured.",
  },
  {
    key: 'providers.packer.alibaba.instance_type',
    flag: { name: 'instance-type', summary: 'Build instance type', kind: 'string' },
    packer: 'instance_type',
    handling:
      '`instance_type`. A list is a ranking of candidates: the template says `instance_type = var.instance_type` (default the first), the preflight picks the first candidate a zone has in stock (`DescribeAvailableResource`) and passes it with `-var`, and a launch that fails with a no-stock or not-available code runs packer again with the next candidate, once packer has deleted what it made (at most once per candidate). The flag sets one type.',
  },
  { key: 'providers.packer.alibaba.source_image', packer: 'source_image' },
  {
    key: 'providers.packer.alibaba.image_family',
    packer: 'image_family',
    handling:
      '`image_family` with Packer >= 1.7 (the plugin has it). **Rejected** with Packer 1.6.x, whose builder has no such field: use `source_image`.',
  },
  {
    key: 'providers.packer.alibaba.source_image_pattern',
    inConfigHash: false,
    handling:
      '`sindri packer outdated` only: where a newer version of the source image is looked for. Not rendered, not part of the hash.',
  },
  {
    key: 'providers.packer.alibaba.system_disk_size_gb',
    flag: { name: 'disk-size', summary: 'System disk size in GB', kind: 'integer' },
    packer: 'system_disk_mapping.disk_size',
  },
  { key: 'providers.packer.alibaba.system_disk_category', packer: 'system_disk_mapping.disk_category' },
  {
    key: 'providers.packer.alibaba.system_disk_performance_level',
    handling:
      '**Not a builder field** (neither 1.6.6 nor the plugin). `PL1` is accepted and needs nothing: it is what ECS gives a `cloud_essd` disk by default. Other levels are **rejected** with an explanation: the builder cannot choose one, and a performance level is not stored in an image — choose it when creating instances (`sindri packer deploy`). With a category other than `cloud_essd` it is rejected.',
  },
  {
    key: 'providers.packer.alibaba.vpc_id',
    packer: 'vpc_id',
    handling:
      '`vpc_id`. Unset: `vpc_id = var.vpc_id`, the VPC of a configured VSwitch (looked up) or of the network a `cloud-assistant` build makes; empty otherwise (packer makes a temporary VPC).',
  },
  {
    key: 'providers.packer.alibaba.vswitch_id',
    packer: 'vswitch_id',
    handling:
      '`vswitch_id`. Unset: `vswitch_id = var.vswitch_id`: with `vpc_id`, an existing VSwitch of that VPC in the zone the preflight picked; for a `cloud-assistant` build without a network, the one sindri makes; empty otherwise (packer makes one).',
  },
  {
    key: 'providers.packer.alibaba.security_group_id',
    packer: 'security_group_id',
    handling:
      '`security_group_id`. Unset: `security_group_id = var.security_group_id`, empty (packer makes a group open to all inbound traffic) except for a `cloud-assistant` build, where sindri makes `sindri-<build ID>` with no inbound rule.',
  },
  {
    key: 'providers.packer.alibaba.vpc_cidr_block',
    packer: 'vpc_cidr_block',
    handling: '`vpc_cidr_block` (for the temporary VPC)',
  },
  {
    key: 'providers.packer.alibaba.vswitch_cidr_block',
    handling:
      "**Rejected**: neither builder version has the field; the builder derives the temporary VSwitch's block itself. Create a VSwitch and set `vswitch_id` to control the subnet.",
  },
  { key: 'providers.packer.alibaba.associate_public_ip_address', packer: 'associate_public_ip_address' },
  { key: 'providers.packer.alibaba.internet_charge_type', packer: 'internet_charge_type' },
  { key: 'providers.packer.alibaba.internet_max_bandwidth_out', packer: 'internet_max_bandwidth_out' },
  { key: 'providers.packer.alibaba.user_data', packer: 'user_data' },
  {
    key: 'providers.packer.alibaba.user_data_file',
    packer: 'user_data_file',
    handling:
      'The file is copied to `user-data` beside the template and rendered as `user_data_file = "user-data"` (its content is part of the hash and never passes through packer\'s template engine).',
  },
  { key: 'providers.packer.alibaba.image_encrypted', handling: ENCRYPTION },
  { key: 'providers.packer.alibaba.kms_key_id', handling: ENCRYPTION },
  { key: 'providers.packer.alibaba.kms_key_ids', handling: ENCRYPTION },
  {
    key: 'providers.packer.alibaba.image_copy_regions',
    handling:
      "**sindri's distribution step** (`CopyImage` per region, waited on, tagged). `image_copy_regions` is not rendered.",
  },
  {
    key: 'providers.packer.alibaba.image_share_accounts',
    handling:
      "**sindri's distribution step** (`ModifyImageSharePermission`). `image_share_account` is not rendered.",
  },
  {
    key: 'providers.packer.alibaba.spot_strategy',
    handling: SPOT,
  },
  {
    key: 'providers.packer.alibaba.spot_price_limit',
    handling: SPOT,
  },
  {
    key: 'providers.packer.alibaba.resource_group_id',
    handling:
      "**Not a builder field.** The build instance and temporary network stay in the default resource group; sindri's distribution step moves the finished image into the group (`JoinResourceGroup`). A **warning** says so. Nothing is rendered.",
  },
  {
    key: 'providers.packer.alibaba.credentials_profile',
    inConfigHash: false,
    handling:
      "sindri's own credentials: the profile is tried before any other source. Not rendered (packer gets the credentials in its environment) and not part of the hash.",
  },
  {
    key: 'providers.packer.alibaba.endpoints',
    inConfigHash: false,
    handling:
      "sindri's own API clients. Not rendered (Packer 1.6.6 has no endpoint option; it honours `HTTP_PROXY`/`HTTPS_PROXY`) and not part of the hash.",
  },

  {
    key: 'extensions.profile',
    flag: { name: 'profile', summary: 'Extension profile', kind: 'string' },
    handling: EXTENSIONS,
  },
  {
    key: 'extensions.additional',
    flag: { name: 'extensions', summary: 'Comma-separated extensions to add', kind: 'list' },
    handling: EXTENSIONS,
  },
  { key: 'extensions.source', handling: EXTENSION_SOURCE },
  { key: 'extensions.sources', handling: EXTENSION_SOURCE },

  {
    key: 'notifications',
    inConfigHash: false,
    handling:
      "sindri's own webhooks (build, test, promote, revoke), after the pipeline or the command; addresses and secrets from the environment. Not rendered, not part of the hash.",
  },
  {
    key: 'tests',
    inConfigHash: false,
    handling:
      "sindri's test stage, after packer and before the distribution: an instance from the new image runs the checks. Not rendered, and not part of the hash (changing a check does not rebuild).",
  },

  {
    key: 'providers.packer.build.sindri_version',
    handling:
      "`SINDRI_VERSION` for `scripts/20-sindri.sh`, which installs that Sindri CLI version. Unset: the running CLI's version.",
  },
  {
    key: 'providers.packer.build.cache',
    handling:
      'sindri: skips the build when an image with the same `sindri:config-hash` exists. Not rendered.',
  },
  { key: 'providers.packer.build.ssh_timeout', packer: 'ssh_timeout' },
  {
    key: 'providers.packer.build.ssh_username',
    packer: 'ssh_username',
    handling:
      "`ssh_username`. For a user other than `root`, every `shell` provisioner gets `execute_command = \"chmod +x {{ .Path }}; sudo -n sh -c '. {{ .EnvVarFile }} && exec {{ .Path }}'\"`; root keeps packer's default (which also sources the environment file).",
  },
  { key: 'providers.packer.build.ssh_port', packer: 'ssh_port' },
  {
    key: 'providers.packer.build.security.cis_hardening',
    flag: { name: 'cis-hardening', summary: 'Apply CIS level 1 hardening', kind: 'boolean' },
    handling: 'Adds `scripts/80-cis-hardening.sh` (after user scripts, before cleanup).',
  },
  {
    key: 'providers.packer.build.security.clean_sensitive_data',
    handling:
      '`SINDRI_CLEAN_SENSITIVE_DATA=1` for `scripts/90-cleanup.sh` (caches, apt lists, credential files of tools).',
  },
  {
    key: 'providers.packer.build.security.remove_ssh_keys',
    handling: '`SINDRI_REMOVE_SSH_KEYS=1` for `scripts/90-cleanup.sh` (host keys, `authorized_keys`).',
  },
  {
    key: 'providers.packer.build.scripts',
    handling:
      'Each file is copied to `scripts/user/NN-<name>` and run, in order, in one `shell` provisioner after the extensions and uploads. Its content is part of the hash.',
  },
  {
    key: 'providers.packer.build.environment',
    handling:
      "`locals { environment = [...] }`, used as `environment_vars` by every `shell` provisioner, before sindri's own `SINDRI_*` variables. Names must be shell identifiers; `SINDRI_*` is reserved.",
  },
  {
    key: 'providers.packer.build.files',
    handling:
      "Each source is copied to `uploads/<n>` beside the template; a `file` provisioner uploads it to `/tmp/sindri-upload/<n>` and `scripts/40-files.sh` moves it, as root, to `destination` (passed as `SINDRI_FILE_<n>_DEST`). Staging means a non-root SSH user can still place files under `/etc`, and the destination never goes through packer's file provisioner. Directories are copied recursively. With `cloud-assistant` the upload goes through Cloud Assistant (`SendFile`, in pieces) instead of the `file` provisioner.",
  },
  {
    key: 'providers.packer.build.communicator',
    handling: COMMUNICATOR,
  },
  {
    key: 'providers.packer.build.bastion',
    handling:
      '`ssh_bastion_host`, `ssh_bastion_port`, `ssh_bastion_username` and (as `-var bastion_private_key_file`, the absolute path) `ssh_bastion_private_key_file`, or `ssh_bastion_agent_auth = true` without a key. Only with `ssh-private`; the test stage reaches its instance through the same bastion.',
  },
  {
    key: 'providers.packer.build.mirrors',
    handling:
      '`SINDRI_MIRRORS` and `SINDRI_MIRROR_APT|YUM|PIP|NPM|DOCKER` for `scripts/05-mirrors.sh`, which points apt, yum/dnf, pip, npm and Docker at them first thing (saving what it changes under `/var/lib/sindri/mirrors`); the extension scripts use them for their own repositories. `aliyun-intranet` is `http://mirrors.cloud.aliyuncs.com` (reachable from a VPC without internet access), `aliyun-public` `https://mirrors.aliyun.com` and `https://registry.npmmirror.com`. Nothing is rendered for `none`.',
  },
  {
    key: 'providers.packer.build.mirrors_in_image',
    handling:
      '`SINDRI_MIRRORS_IN_IMAGE`: `restore` runs `scripts/85-mirrors-restore.sh` before the clean-up, putting back what `05-mirrors.sh` changed; `keep` leaves the mirrors in the image.',
  },
] as const satisfies readonly Setting[];

type Entry = (typeof SETTINGS)[number];
export type SettingKey = Entry['key'];
/** The names of the settings directly under a mapping: `SettingName<'providers.packer.alibaba'>`. */
export type SettingName<Parent extends string> = SettingKey extends infer K
  ? K extends `${Parent}.${infer Name}`
    ? Name extends `${string}.${string}`
      ? never
      : Name
    : never
  : never;

type FlagSetting = Extract<Entry, { flag: SettingFlag }>;
export type FlagName = FlagSetting['flag']['name'];
interface FlagValue {
  string: string;
  integer: number;
  boolean: boolean;
  list: string[];
}
/** Values from the command line, by flag name; they win over the file (see resolveConfig). */
export type ConfigOverrides = {
  [S in FlagSetting as S['flag']['name']]?: FlagValue[S['flag']['kind']];
};

export const FLAG_SETTINGS: readonly FlagSetting[] = SETTINGS.filter((s): s is FlagSetting => 'flag' in s);

export function keyPath(key: string): string[] {
  return key.split('.');
}

/** The names of the settings directly under `parent`, in table order. */
export function settingNames<Parent extends string>(parent: Parent): SettingName<Parent>[] {
  const prefix = `${parent}.`;
  return SETTINGS.map((s) => s.key as string)
    .filter((k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('.'))
    .map((k) => k.slice(prefix.length) as SettingName<Parent>);
}

/** Source attribute (`system_disk_mapping.disk_size`) → the key it is rendered from. */
export const KEY_OF_PACKER_ATTRIBUTE: ReadonlyMap<string, SettingKey> = new Map(
  SETTINGS.flatMap((s) => ('packer' in s ? [[s.packer, s.key] as const] : [])),
);

/** Keys left out of the configuration hash. */
export const KEYS_OUTSIDE_HASH: readonly SettingKey[] = SETTINGS.flatMap((s) =>
  'inConfigHash' in s ? [s.key] : [],
);
