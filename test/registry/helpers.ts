/** The registry's tests: configurations built with the real packer against the emulator, and the CLI. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClients } from '../../src/cloud/index.ts';
import { ROOT_ACCESS_KEY_ID, ROOT_ACCESS_KEY_SECRET } from '../emulator/accounts.ts';
import type { Emulator } from '../emulator/index.ts';
import { type CliResult, runSindri } from '../helpers/cli.ts';

export interface ConfigSpec {
  name: string;
  sshPort: number;
  region?: string;
  family?: string;
  sourceImage?: string;
  sourcePattern?: string;
  copyRegions?: string[];
  shareAccounts?: string[];
  /** An environment variable for the scripts: changing it changes the configuration. */
  marker?: string;
  tests?: boolean;
  /** Lines under `tests:` (two spaces in). */
  checks?: string[];
  /** The `notifications:` block, as YAML lines (no indent). */
  notifications?: string[];
}

export function configText(c: ConfigSpec): string {
  return [
    'version: "1.0"',
    `name: ${c.name}`,
    'extensions:',
    '  profile: minimal',
    'tests:',
    `  enabled: ${c.tests ?? false}`,
    ...(c.checks ?? []),
    'providers:',
    '  packer:',
    '    cloud: alibaba',
    `    image_name: ${c.name}`,
    ...(c.family ? [`    image_family: ${c.family}`] : []),
    '    build:',
    `      ssh_port: ${c.sshPort}`,
    ...(c.marker ? ['      environment:', `        MARKER: "${c.marker}"`] : []),
    '    alibaba:',
    `      region: ${c.region ?? 'cn-hangzhou'}`,
    '      instance_type: ecs.g6.large',
    ...(c.sourceImage ? [`      source_image: ${c.sourceImage}`] : []),
    ...(c.sourcePattern ? [`      source_image_pattern: "${c.sourcePattern}"`] : []),
    `      image_copy_regions: [${(c.copyRegions ?? []).join(', ')}]`,
    `      image_share_accounts: [${(c.shareAccounts ?? []).map((a) => `"${a}"`).join(', ')}]`,
    ...(c.notifications ?? []),
    '',
  ].join('\n');
}

/** A fresh directory holding sindri.yaml. */
export function configDir(c: ConfigSpec): string {
  const dir = mkdtempSync(join(tmpdir(), 'sindri-registry-'));
  writeFileSync(join(dir, 'sindri.yaml'), configText(c));
  return dir;
}

export interface Envelope<T = Record<string, unknown>> {
  status: number;
  result: T;
  error?: { code: string; message: string; actions: string[] };
  warnings: Array<{ message: string; code?: string }>;
}

/** `sindri packer <args> --json`, parsed (runSindri checks the envelope against its schema). */
export async function sindri<T = Record<string, unknown>>(
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<Envelope<T> & { run: CliResult }> {
  const run = await runSindri(['packer', ...args, '--json'], opts);
  if (!run.stdout.trim()) throw new Error(`no JSON from sindri packer ${args.join(' ')}: ${run.stderr}`);
  return { ...(JSON.parse(run.stdout) as Envelope<T>), run };
}

/** A VPC, VSwitch and security group in a region, for deploys. */
export async function network(emu: Emulator, region: string): Promise<string[]> {
  const c = await createClients({
    credentials: { accessKeyId: ROOT_ACCESS_KEY_ID, accessKeySecret: ROOT_ACCESS_KEY_SECRET, source: 'test' },
    region,
    env: { SINDRI_ENDPOINT: emu.url },
  });
  const zone = emu.admin.world.region(region)?.zones[0] as string;
  const vpc = await c.call('ecs', 'CreateVpc', { regionId: region, cidrBlock: '192.168.0.0/16' });
  const vsw = await c.call('ecs', 'CreateVSwitch', {
    regionId: region,
    vpcId: vpc.vpcId,
    zoneId: zone,
    cidrBlock: '192.168.1.0/24',
  });
  const sg = await c.call('ecs', 'CreateSecurityGroup', { regionId: region, vpcId: vpc.vpcId });
  return ['--vswitch-id', vsw.vSwitchId as string, '--security-group-id', sg.securityGroupId as string];
}

type HclBlocks = Record<string, Record<string, Array<Record<string, unknown>>>>;

/**
 * What each `data "alicloud_images"` of an HCL text selects, queried as terraform-provider-alicloud's
 * data source queries (alicloud/data_source_alicloud_images.go): DescribeImages with `owners` as
 * ImageOwnerAlias, `status` (default Available), `image_family`, `tags` as Tag.N, pages of 100; then
 * `name_regex` on the names and `most_recent`. Region: the block's provider alias.
 */
export async function terraformSelects(
  emu: Emulator,
  hcl: string,
): Promise<Record<string, { region: string; ids: string[] }>> {
  const { parse } = await import('@cdktn/hcl2json');
  const doc = (await parse('main.tf', hcl)) as {
    data?: HclBlocks;
    provider?: Record<string, Array<Record<string, string>>>;
  };
  const regions = new Map(
    (doc.provider?.alicloud ?? []).map((p) => [`\${alicloud.${p.alias}}`, p.region as string]),
  );
  const out: Record<string, { region: string; ids: string[] }> = {};
  for (const [name, [args]] of Object.entries(doc.data?.alicloud_images ?? {}) as Array<
    [string, Array<Record<string, unknown>>]
  >) {
    const a = args as Record<string, unknown>;
    const region = regions.get(String(a.provider)) as string;
    const c = await createClients({
      credentials: {
        accessKeyId: ROOT_ACCESS_KEY_ID,
        accessKeySecret: ROOT_ACCESS_KEY_SECRET,
        source: 'test',
      },
      region,
      env: { SINDRI_ENDPOINT: emu.url },
    });
    const images: Array<{ imageId?: string; imageName?: string; creationTime?: string }> = [];
    for (let pageNumber = 1; ; pageNumber++) {
      const body = await c.call('ecs', 'DescribeImages', {
        regionId: region,
        pageNumber,
        pageSize: 100,
        status: (a.status as string | undefined) ?? 'Available',
        ...(a.owners ? { imageOwnerAlias: a.owners as string } : {}),
        ...(a.image_family ? { imageFamily: a.image_family as string } : {}),
        ...(a.tags
          ? {
              tag: Object.entries(a.tags as Record<string, string>).map(([key, value]) => ({
                key,
                value,
              })) as never,
            }
          : {}),
      });
      const page = body.images?.image ?? [];
      images.push(...page);
      if (page.length < 50) break;
    }
    let picked = a.name_regex
      ? images.filter((i) => new RegExp(String(a.name_regex)).test(i.imageName ?? ''))
      : images;
    if (a.most_recent === true && picked.length > 1)
      picked = [...picked]
        .sort((x, y) => Date.parse(y.creationTime ?? '') - Date.parse(x.creationTime ?? ''))
        .slice(0, 1);
    out[name] = { region, ids: picked.map((i) => i.imageId as string) };
  }
  return out;
}

/** The first ```hcl block of a document. */
export function hclBlock(markdown: string): string {
  const m = /```hcl\n([\s\S]*?)```/.exec(markdown);
  if (!m?.[1]) throw new Error('no hcl block');
  return m[1];
}
