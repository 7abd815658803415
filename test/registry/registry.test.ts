/**
 * The registry end to end, with the real packer through the emulator: two versions of an image in a
 * family and a copy region; promote v1, promote v2, roll back to v1, revoke v2. At each step
 * `channels`, `list --channel` and `deploy --channel` agree in every region, and `deploy --family`
 * launches the family's newest Available image; the revoked build ends deprecated and unshared
 * everywhere, out of its channel, refused by deploy, and the image built on it is flagged.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, SECOND_ACCOUNT_ID, startEmulator } from '../emulator/index.ts';
import { repoRoot, runSindri } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { configDir, configText, hclBlock, network, sindri, terraformSelects } from './helpers.ts';

const HOME = 'cn-hangzhou';
const COPY = 'cn-shanghai';
const REGIONS = [HOME, COPY];
const regionArgs = REGIONS.flatMap((r) => ['--region', r]);

interface Built {
  buildId: string;
  images: Record<string, string>;
}
interface ChannelsJson {
  channels: Array<{
    channel: string;
    regions: Array<{
      region: string;
      current?: { imageId: string; buildId: string };
      history: Array<{ imageId: string; revoked: boolean }>;
    }>;
  }>;
}

let emu: Emulator;
let env: NodeJS.ProcessEnv;
const dirs: string[] = [];
const nets: Record<string, string[]> = {};

before(async () => {
  emu = await startEmulator();
  env = emulatorEnv(emu.url);
  for (const r of REGIONS) nets[r] = await network(emu, r);
});
after(async () => {
  await emu.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  rmSync(env.HOME as string, { recursive: true, force: true });
});

async function build(name: string, marker: string, extra: { sourceImage?: string; family?: string } = {}) {
  const dir = configDir({
    name,
    sshPort: emu.sshPort,
    family: extra.family ?? 'web',
    copyRegions: extra.sourceImage ? [] : [COPY],
    shareAccounts: [SECOND_ACCOUNT_ID],
    marker,
    ...(extra.sourceImage ? { sourceImage: extra.sourceImage } : {}),
  });
  dirs.push(dir);
  const r = await sindri<Built>(['build'], { cwd: dir, env });
  assert.equal(r.status, 0, r.run.stderr);
  return { ...r.result, dir };
}

const image = (region: string, id: string) => emu.admin.world.get('image', region, id);

describe('the registry: families, channels, promotion, rollback, revocation, ancestry', () => {
  let v1: Built & { dir: string };
  let v2: Built & { dir: string };
  let cwd: string;

  /** The Terraform snippet of docs/registry.md, for prod of the line web in both regions. */
  const snippet = hclBlock(readFileSync(join(repoRoot, 'docs', 'registry.md'), 'utf8'));

  /**
   * channels, list --channel, deploy --channel and the Terraform snippet name `expected` in every
   * region; deploy --family its newest.
   */
  async function agree(step: string, expected: Built, newest: Built) {
    const terraform = await terraformSelects(emu, snippet);
    assert.deepEqual(
      Object.fromEntries(Object.values(terraform).map((t) => [t.region, t.ids])),
      Object.fromEntries(REGIONS.map((r) => [r, [expected.images[r]]])),
      `${step}: alicloud_images (docs/registry.md)`,
    );
    const channels = await sindri<ChannelsJson>(
      ['channels', '--channel', 'prod', '--line', 'web', ...regionArgs],
      {
        cwd,
        env,
      },
    );
    assert.equal(channels.status, 0, channels.run.stderr);
    const list = await sindri<{ images: Array<{ imageId: string; region: string }> }>(
      ['list', '--all-regions', '--channel', 'prod', '--name', 'web-*'],
      { cwd, env },
    );
    assert.equal(list.status, 0, list.run.stderr);
    assert.deepEqual(
      Object.fromEntries(list.result.images.map((i) => [i.region, i.imageId])),
      expected.images,
      `${step}: list --channel prod`,
    );
    for (const region of REGIONS) {
      const inRegion = channels.result.channels[0]?.regions.find((r) => r.region === region);
      assert.equal(
        inRegion?.current?.imageId,
        expected.images[region],
        `${step}: channels in ${region}: ${JSON.stringify(channels.result)}`,
      );
      assert.equal(inRegion?.current?.buildId, expected.buildId);
      const net = nets[region] as string[];
      const byChannel = await sindri<{ imageId: string; channel: string }>(
        ['deploy', '--channel', 'prod', '--region', region, ...net],
        { cwd, env },
      );
      assert.equal(byChannel.status, 0, byChannel.run.stderr);
      assert.equal(
        byChannel.result.imageId,
        expected.images[region],
        `${step}: deploy --channel in ${region}`,
      );
      const byFamily = await sindri<{ imageId: string; family: string }>(
        ['deploy', '--family', 'web', '--region', region, ...net],
        { cwd, env },
      );
      assert.equal(byFamily.status, 0, byFamily.run.stderr);
      assert.equal(byFamily.result.imageId, newest.images[region], `${step}: deploy --family in ${region}`);
    }
    return channels.result;
  }

  before(async () => {
    v1 = await build('web-1', 'one');
    v2 = await build('web-2', 'two');
    cwd = v2.dir;
  });

  it('every image and every copy joined the family, and records what it was built from', () => {
    for (const v of [v1, v2]) {
      assert.deepEqual(Object.keys(v.images).sort(), [...REGIONS].sort());
      for (const [region, id] of Object.entries(v.images)) {
        const img = image(region, id);
        assert.equal(img?.imageFamily, 'web', `${region} ${id}`);
        assert.match(
          img?.tags.get('sindri:base') ?? '',
          /^ubuntu_22_04_x64_20G_alibase_20240130\.vhd \d{4}-/,
        );
        assert.equal(img?.tags.get('sindri:base-family'), 'acs:ubuntu_22_04_x64');
      }
    }
  });

  it('promote v1, promote v2, roll back to v1: channels, list --channel and deploy agree everywhere', async () => {
    const p1 = await sindri<{ regions: Array<{ region: string; imageId: string }> }>(
      ['promote', v1.images[HOME] as string, '--channel', 'prod', ...regionArgs],
      { cwd, env },
    );
    assert.equal(p1.status, 0, p1.run.stderr);
    assert.deepEqual(
      Object.fromEntries(p1.result.regions.map((r) => [r.region, r.imageId])),
      v1.images,
      'an image names its whole build',
    );
    await agree('v1 promoted', v1, v2);

    const p2 = await sindri(['promote', v2.buildId, '--channel', 'prod', ...regionArgs], { cwd, env });
    assert.equal(p2.status, 0, p2.run.stderr);
    await agree('v2 promoted', v2, v2);
    for (const [region, id] of Object.entries(v1.images))
      assert.equal(image(region, id)?.tags.get('sindri:channel:prod'), undefined, 'v1 let go');

    const back = await sindri(['promote', v1.buildId, '--channel', 'prod'], { cwd, env });
    assert.equal(back.status, 0, back.run.stderr);
    const after = await agree('rolled back to v1', v1, v2);
    // The history: v1, then v2, then v1 again, newest first, in every region.
    for (const region of REGIONS) {
      const history = after.channels[0]?.regions.find((r) => r.region === region)?.history ?? [];
      assert.deepEqual(
        history.map((h) => h.imageId),
        [v1.images[region], v2.images[region], v1.images[region]],
        region,
      );
    }

    // Without --json: the table on stdout, the count on stderr; as CSV one current row per region.
    const text = await runSindri(
      ['packer', 'channels', '--channel', 'prod', '--line', 'web', ...regionArgs],
      {
        cwd,
        env,
      },
    );
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trimEnd().split('\n');
    assert.match(
      lines[0] ?? '',
      /^CHANNEL\s+LINE\s+REGION\s+NOW\s+IMAGE ID\s+NAME\s+BUILD\s+PROMOTED\s+REVOKED$/,
    );
    assert.equal(lines.length, 1 + 3 * REGIONS.length, text.stdout);
    for (const region of REGIONS)
      assert.ok(
        lines.some((l) => l.includes(region) && l.includes('→') && l.includes(v1.images[region] as string)),
        `${region}: ${text.stdout}`,
      );
    assert.match(text.stderr, /1 channel\(s\) in 2 region\(s\)/);
    assert.doesNotMatch(text.stdout, /channel\(s\)/);
    const csv = await runSindri(
      [
        'packer',
        'channels',
        '--history',
        '0',
        '--columns',
        'region,current,image-id',
        '--output',
        'csv',
        '--sort',
        'region',
        ...regionArgs,
      ],
      { cwd, env },
    );
    assert.equal(csv.code, 0, csv.stderr);
    assert.deepEqual(csv.stdout.trimEnd().split('\r\n'), [
      'region,current,image-id',
      ...[...REGIONS].sort().map((r) => `${r},true,${v1.images[r]}`),
    ]);
  });

  it('revoke v2: deprecated, unshared and out of its channel everywhere; deploy refuses it; its child is flagged', async () => {
    // An image built on v2 (in its own family), to be flagged.
    const child = await build('child-1', 'child', {
      sourceImage: v2.images[HOME] as string,
      family: 'child',
    });
    const childImage = image(HOME, child.images[HOME] as string);
    assert.match(
      childImage?.tags.get('sindri:base') ?? '',
      new RegExp(` ${v2.buildId}$`),
      'the parent build',
    );
    // The child's line has a prod of its own: promoting it leaves the prod of web alone.
    const childProd = await sindri<{ line: string }>(['promote', child.buildId, '--channel', 'prod'], {
      cwd,
      env,
    });
    assert.equal(childProd.result.line, 'child');
    assert.equal(image(HOME, v1.images[HOME] as string)?.tags.get('sindri:channel:prod'), 'web');
    // v2 holds a second channel, so revoking takes it out of one it still points to.
    const canary = await runSindri(['packer', 'promote', v2.buildId, '--channel', 'canary'], { cwd, env });
    assert.equal(canary.code, 0, canary.stderr);
    const promoted = canary.stdout.trimEnd().split('\n');
    assert.equal(promoted[0], `✓ canary of web → web-2 (build ${v2.buildId}) in 2 region(s)`);
    assert.match(promoted[1] ?? '', /^REGION\s+IMAGE ID\s+WAS$/);
    for (const region of REGIONS)
      assert.ok(
        promoted.some((l) => new RegExp(`^${region}\\s+${v2.images[region]}\\s+-$`).test(l)),
        canary.stdout,
      );
    for (const [region, id] of Object.entries(v2.images))
      assert.equal(image(region, id)?.shareAccounts.has(SECOND_ACCOUNT_ID), true, 'shared before');

    // "n" on stdin: nothing changes, exit 1 (as delete).
    const no = await runSindri(['packer', 'revoke', v2.buildId, '--reason', 'not yet'], {
      cwd,
      env,
      input: 'n\n',
    });
    assert.equal(no.code, 1, no.stderr);
    assert.match(no.stderr, /Revoke build .*\?[\s\S]*Nothing was revoked/);
    for (const [region, id] of Object.entries(v2.images)) {
      const img = image(region, id);
      assert.equal(img && emu.admin.world.status(img), 'Available', `${region}: untouched`);
      assert.equal(img?.tags.get('sindri:revoked'), undefined);
    }

    const r = await sindri<{
      images: Array<{
        region: string;
        imageId: string;
        deprecated: boolean;
        unshared: string[];
        channels: string[];
      }>;
      descendants: Array<{ imageId: string; flagged: boolean }>;
    }>(['revoke', v2.images[COPY] as string, '--reason', 'CVE-2026-0001 in openssl', '--yes'], { cwd, env });
    assert.equal(r.status, 0, r.run.stderr);
    assert.deepEqual(
      r.result.images.map((i) => [i.region, i.imageId]).sort(),
      Object.entries(v2.images).sort(),
    );
    for (const i of r.result.images) {
      assert.equal(i.deprecated, true);
      assert.deepEqual(i.unshared, [SECOND_ACCOUNT_ID]);
      assert.deepEqual(i.channels, ['canary']);
      const img = image(i.region, i.imageId);
      assert.equal(img && emu.admin.world.status(img), 'Deprecated', `${i.region} deprecated`);
      assert.equal(img?.shareAccounts.size, 0, `${i.region} unshared`);
      assert.match(img?.tags.get('sindri:revoked') ?? '', /^\d{4}-\S+Z CVE-2026-0001 in openssl$/);
      assert.equal(img?.tags.get('sindri:channel:canary'), undefined);
    }
    assert.deepEqual(
      r.result.descendants.map((d) => [d.imageId, d.flagged]),
      [[child.images[HOME], true]],
    );
    assert.match(childImage?.tags.get('sindri:base-revoked') ?? '', new RegExp(`^${v2.buildId} `));

    // prod still names v1; the family's newest Available image is v1 again (v2 is deprecated).
    const after = await agree('v2 revoked', v1, v1);
    const history = after.channels[0]?.regions.find((x) => x.region === HOME)?.history ?? [];
    assert.deepEqual(
      history.map((h) => h.revoked),
      [false, true, false],
      'the revoked promotion is marked',
    );

    const refused = await sindri(
      ['deploy', v2.images[HOME] as string, '--region', HOME, ...(nets[HOME] ?? [])],
      {
        cwd,
        env,
      },
    );
    assert.equal(refused.status, 1);
    assert.equal(refused.error?.code, 'ImageRevoked');
    const forced = await sindri(
      ['deploy', v2.images[HOME] as string, '--force', '--region', HOME, ...(nets[HOME] ?? [])],
      { cwd, env },
    );
    assert.equal(forced.status, 0, forced.run.stderr);
    const again = await sindri(['promote', v2.buildId, '--channel', 'prod'], { cwd, env });
    assert.equal(again.error?.code, 'ImageRevoked', 'a revoked build is never promoted');

    // lineage: the child, its revoked parent, the public image under both.
    const lineage = await sindri<{
      chain: Array<{ imageId: string; revoked?: unknown; owner?: string; family?: string }>;
      revokedAncestor?: string;
    }>(['lineage', child.images[HOME] as string, '--region', HOME], { cwd, env });
    assert.equal(lineage.status, 0, lineage.run.stderr);
    assert.deepEqual(
      lineage.result.chain.map((l) => l.imageId),
      [child.images[HOME], v2.images[HOME], 'ubuntu_22_04_x64_20G_alibase_20240130.vhd'],
    );
    assert.equal(lineage.result.revokedAncestor, v2.images[HOME]);
    assert.equal(lineage.result.chain[2]?.owner, 'system');
    assert.equal(lineage.result.chain[2]?.family, 'acs:ubuntu_22_04_x64');
    assert.ok(lineage.warnings.some((w) => w.code === 'BaseRevoked'));
    const chain = await runSindri(['packer', 'lineage', child.images[HOME] as string, '--region', HOME], {
      cwd,
      env,
    });
    assert.equal(chain.code, 0, chain.stderr);
    const links = chain.stdout.trimEnd().split('\n');
    assert.equal(links.length, 3, chain.stdout);
    assert.ok(links[0]?.startsWith(child.images[HOME] as string));
    assert.match(links[1] ?? '', new RegExp(`^└ built on ${v2.images[HOME]} .*REVOKED .*CVE-2026-0001`));
    assert.match(links[2] ?? '', /^ {2}└ built on ubuntu_22_04_x64_20G_alibase_20240130\.vhd {2}\(system, /);
    assert.match(chain.stderr, /warning: .*built on the revoked image/);

    // Revoking the child (the last image of its family: --force), as a person reads it.
    const gone = await runSindri(
      [
        'packer',
        'revoke',
        child.buildId,
        '--reason',
        'built on a revoked image',
        '--force',
        '--region',
        HOME,
      ],
      { cwd, env },
    );
    assert.equal(gone.code, 0, gone.stderr);
    const out = gone.stdout.trimEnd().split('\n');
    assert.equal(out[0], `✓ revoked build ${child.buildId} (child-1) in 1 region(s)`);
    assert.match(out[1] ?? '', /^REGION\s+IMAGE ID\s+RESULT\s+UNSHARED FROM$/);
    assert.match(
      out[2] ?? '',
      new RegExp(`^${HOME}\\s+${child.images[HOME]}\\s+deprecated\\s+${SECOND_ACCOUNT_ID}$`),
    );
    assert.equal(out.length, 3, gone.stdout);
  });

  it('never deprecates or deletes the last Available image of a family without --force', async () => {
    // The instances deployed above go: an image in use is refused for that reason already.
    for (const region of REGIONS)
      for (const i of emu.admin.world.list('instance', region)) emu.admin.world.remove(i);
    // v1 is now the family's only Available image in each region.
    const revoke = await sindri(['revoke', v1.buildId, '--reason', 'test', '--yes', ...regionArgs], {
      cwd,
      env,
    });
    assert.equal(revoke.status, 1);
    assert.equal(revoke.error?.code, 'LastImageOfFamily');
    assert.match(revoke.error?.message ?? '', /last Available image of family web/);
    const del = await sindri(['delete', v1.images[COPY] as string, '--region', COPY, '--yes'], { cwd, env });
    assert.equal(del.status, 1);
    assert.equal(del.error?.code, 'DeleteRefused');
    assert.match(del.error?.message ?? '', /last Available image of family web/);
    for (const [region, id] of Object.entries(v1.images)) {
      const img = image(region, id);
      assert.equal(img && emu.admin.world.status(img), 'Available', 'nothing was touched');
    }
    // A build's retention keeps it too: a new version in another family retires nothing of "web".
    const dir = configDir({ name: 'web-3', sshPort: emu.sshPort, family: 'web-next', marker: 'three' });
    dirs.push(dir);
    writeFileSync(
      join(dir, 'sindri.yaml'),
      `${configText({ name: 'web-3', sshPort: emu.sshPort, family: 'web-next', marker: 'three' })}    retention:\n      keep: 1\n`,
    );
    const built = await sindri<{ retention: Array<{ imageId: string; action: string; reason: string }> }>(
      ['build'],
      { cwd: dir, env },
    );
    assert.equal(built.status, 0, built.run.stderr);
    const kept = built.result.retention.find((a) => a.imageId === v1.images[HOME]);
    assert.equal(kept?.action, 'skip');
    assert.match(kept?.reason ?? '', /last Available image of family web/);
  });
});
