/**
 * The sindri.yaml that `sindri init` writes: the answers, each with a comment saying what it is and
 * how to change it, the schema line editors read (yaml-language-server), and pointers to the keys
 * not asked about.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { schemasDir } from '../util/paths.ts';

export interface InitAnswers {
  name: string;
  profile: string;
  region: string;
  /** Undefined: sindri (the builder) chooses a zone. */
  zoneId?: string | undefined;
  instanceType: string;
  diskSizeGb: number;
}

/** Where the defaults of `sindri init` come from when nothing else says. */
export const INIT_DEFAULTS = {
  profile: 'minimal',
  region: 'cn-hangzhou',
  instanceType: 'ecs.g6.xlarge',
  diskSizeGb: 40,
} as const;

/** The schema that ships with this sindri. */
export const SCHEMA_FILE = join(schemasDir, 'sindri.schema.json');

/**
 * What the schema line points at: the project's own copy when sindri is a dependency of the project
 * (`./node_modules/sindri/...`, the same on every machine), else this installation's file.
 */
export function schemaReference(configFile: string): string {
  const dir = dirname(configFile);
  const local = `${dir}/node_modules/sindri/schemas/sindri.schema.json`;
  if (existsSync(local)) return './node_modules/sindri/schemas/sindri.schema.json';
  const rel = relative(dir, SCHEMA_FILE);
  return !rel.startsWith('..') && !isAbsolute(rel) ? `./${rel}` : SCHEMA_FILE;
}

/** A name usable as `name` and image name: letters, digits, `-`, `_`, `.`, starting with a letter. */
export function imageNameFrom(text: string): string {
  const cleaned = text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '')
    .slice(0, 100);
  return cleaned === '' ? 'sindri-image' : cleaned;
}

const quote = (s: string) => JSON.stringify(s);

export function renderInitFile(a: InitAnswers, schemaRef: string): string {
  const zone = a.zoneId
    ? `      zone_id: ${a.zoneId} # must be in the region; remove it to let the builder choose`
    : '      # zone_id: chosen by the builder; set one of the region’s zones to pin it';
  return `# yaml-language-server: $schema=${schemaRef}
#
# sindri.yaml, written by \`sindri init\`. Every key is documented in docs/configuration.md;
# sindri.example.yaml (in the sindri package) shows all of them at once.
# Precedence: command-line flags > this file > environment (ALICLOUD_REGION) > defaults.
# Credentials never go in this file: use ALICLOUD_ACCESS_KEY / ALICLOUD_SECRET_KEY,
# \`aliyun configure\`, or an ECS RAM role.
#
# Next: sindri packer validate (checks this file and the rendered template),
#       sindri packer doctor (checks the account), sindri packer build.

version: "1.0" # the format version; keep it quoted
name: ${quote(a.name)} # the image name defaults to this

extensions:
  profile: ${a.profile} # minimal | fullstack | devops (templates/catalogue.yaml)
  # additional: [docker, node] # installed on top of the profile

providers:
  packer:
    cloud: alibaba # the only cloud
    image_name: ${quote(a.name)} # --name overrides it; a second build of the same name needs --force

    alibaba:
      region: ${a.region} # --region overrides it
${zone}
      instance_type: ${a.instanceType} # the build instance; --instance-type overrides it
      # instance_type: [${a.instanceType}, ecs.g7.xlarge] # or a ranked list, tried in turn when one has no stock
      system_disk_size_gb: ${a.diskSizeGb} # GiB, 20-2048; --disk-size overrides it
      # source_image: ubuntu_22_04_x64_20G_alibase_20240130.vhd # the default base image
      # image_copy_regions: [cn-shanghai] # copies, after the build
      # image_share_accounts: ["1234567890123456"] # accounts the image is shared with

    # How packer reaches the build instance: ssh (a temporary EIP, port 22 open), ssh-private (its
    # private address, from inside the VPC) or cloud-assistant (no public address, no SSH at all).
    # build:
    #   communicator: cloud-assistant
    #   mirrors: aliyun-intranet # apt, yum, pip and Docker CE from the region's intranet mirrors

    # Older images of this name: keep the newest N (and delete those past D days).
    # retention:
    #   keep: 5
    #   delete_after_days: 90
`;
}
