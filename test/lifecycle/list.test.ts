/** `sindri packer list` against the emulator: every page of every region, filters, JSON and table. */
import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type Emulator, SECOND_ACCOUNT_ID, startEmulator } from '../emulator/index.ts';
import { jsonResult, STACK_TRACE } from '../helpers/cli.ts';
import { type CliSandbox, cliSandbox, describeImagesCalls, seedImage, sindriTags } from './helpers.ts';

let emu: Emulator;
let box: CliSandbox;

before(async () => {
  emu = await startEmulator();
  box = await cliSandbox(emu);
});
after(async () => {
  await box.dispose();
  await emu.stop();
});
beforeEach(() => emu.admin.reset());

interface JsonImage {
  imageId: string;
  name: string;
  region: string;
  status: string;
  created: string;
  sizeGiB: number;
  encrypted: boolean;
  sharedAccounts: string[];
  configHash?: string;
  deprecated: boolean;
}

function parseList(stdout: string): { count: number; regions: string[]; images: JsonImage[] } {
  return jsonResult(stdout);
}

const MINIMAL_CONFIG = `version: "1.0"
name: list-test
deployment:
  provider: packer
providers:
  packer:
    cloud: alibaba
    image_name: sindri-list-test
    alibaba:
      region: REGION
      instance_type: ecs.g6.large
`;

const TEN_REGIONS = [
  'cn-hangzhou',
  'cn-shanghai',
  'cn-beijing',
  'cn-shenzhen',
  'cn-zhangjiakou',
  'cn-hongkong',
  'ap-southeast-1',
  'ap-northeast-1',
  'eu-central-1',
  'us-west-1',
];

describe('sindri packer list', () => {
  it('lists 1,200 images over 10 regions completely, newest first, through many pages', async () => {
    // Uneven spread: 390 images in one region (4 pages), 90 in each of the other nine.
    const base = Date.parse('2025-01-01T00:00:00Z');
    const expected = new Set<string>();
    let n = 0;
    for (const [r, region] of TEN_REGIONS.entries()) {
      const count = r === 0 ? 390 : 90;
      for (let i = 0; i < count; i++, n++) {
        const { image } = seedImage(emu, {
          region,
          name: `sindri-base-${String(n).padStart(4, '0')}`,
          createdAt: base + n * 60_000,
          tags: sindriTags(`b-${n}`),
        });
        expected.add(image.id);
      }
    }
    // Not sindri's: another account's image and an untagged image of ours.
    seedImage(emu, { region: 'cn-hangzhou', name: 'foreign', accountId: SECOND_ACCOUNT_ID });
    seedImage(emu, { region: 'cn-hangzhou', name: 'hand-made', tags: { team: 'web' } });
    assert.equal(expected.size, 1200);

    const started = performance.now();
    const res = await box.run(['packer', 'list', '--all-regions', '--json']);
    const ms = performance.now() - started;
    assert.equal(res.code, 0, res.stderr);
    const out = parseList(res.stdout);
    assert.equal(out.count, 1200);
    assert.equal(out.images.length, 1200);
    assert.deepEqual(new Set(out.images.map((i) => i.imageId)), expected);
    // Newest first.
    for (let i = 1; i < out.images.length; i++) {
      const prev = out.images[i - 1] as JsonImage;
      const cur = out.images[i] as JsonImage;
      assert.ok(Date.parse(prev.created) >= Date.parse(cur.created), `order at ${i}`);
    }
    assert.equal(out.images[0]?.name, 'sindri-base-1199');
    // Every region from DescribeRegions was asked, each for exactly the pages it has.
    const calls = describeImagesCalls(emu);
    const regionCount = emu.admin.requestLog({ action: 'DescribeRegions' }).length;
    assert.equal(regionCount, 1);
    assert.equal(calls.size, out.regions.length);
    assert.ok(out.regions.length >= 10);
    assert.deepEqual(calls.get('cn-hangzhou')?.sort(), [1, 2, 3, 4]);
    assert.deepEqual(calls.get('us-west-1'), [1]);
    const pages = [...calls.values()].reduce((s, p) => s + p.length, 0);
    assert.ok(pages >= 13, `pages: ${pages}`);
    // stdout is pure JSON; no progress on a non-TTY stderr.
    assert.equal(res.stderr, '');
    process.stderr.write(
      `# list: 1,200 images, ${out.regions.length} regions, ${pages} pages in ${Math.round(ms)} ms\n`,
    );
  });

  it('keeps the number of calls in flight within --concurrency', async () => {
    for (const region of TEN_REGIONS) {
      for (let i = 0; i < 150; i++) seedImage(emu, { region, name: `img-${region}-${i}` });
    }
    // Every DescribeImages call takes 40 ms; at most 3 may overlap.
    emu.admin.injectFault({ action: 'DescribeImages', latencyMs: 40 });
    const res = await box.run(['packer', 'list', '--all-regions', '--concurrency', '3', '--json']);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(parseList(res.stdout).count, 1500);
    const log = emu.admin.requestLog({ action: 'DescribeImages' });
    const spans = log.map((e) => {
      const end = Date.parse(e.time) + e.durationMs;
      return { start: end - e.durationMs, end };
    });
    let peak = 0;
    for (const s of spans) {
      const overlapping = spans.filter((o) => o.start <= s.start && o.end > s.start).length;
      peak = Math.max(peak, overlapping);
    }
    assert.ok(peak <= 3, `peak concurrency ${peak}`);
    // Two pages in each of the ten seeded regions, one (empty) page in every other region.
    const regions = parseList(res.stdout).regions.length;
    assert.equal(log.length, 10 * 2 + (regions - 10));
  });

  it('filters by --name (substring or glob) in one region and prints a table', async () => {
    const t = Date.parse('2025-03-01T10:00:00Z');
    seedImage(emu, { region: 'cn-shanghai', name: 'sindri-production-1', createdAt: t });
    seedImage(emu, {
      region: 'cn-shanghai',
      name: 'sindri-production-2',
      createdAt: t + 3_600_000,
      status: 'Deprecated',
      sharedWith: [SECOND_ACCOUNT_ID],
      sizeGiB: 40,
    });
    seedImage(emu, { region: 'cn-shanghai', name: 'sindri-staging-1', createdAt: t });
    seedImage(emu, { region: 'cn-hangzhou', name: 'sindri-production-3', createdAt: t });

    const json = await box.run([
      'packer',
      'list',
      '--region',
      'cn-shanghai',
      '--name',
      'production',
      '--json',
    ]);
    assert.equal(json.code, 0, json.stderr);
    const out = parseList(json.stdout);
    assert.deepEqual(
      out.images.map((i) => i.name),
      ['sindri-production-2', 'sindri-production-1'],
    );
    const newest = out.images[0] as JsonImage;
    assert.equal(newest.deprecated, true);
    assert.equal(newest.status, 'Deprecated');
    assert.deepEqual(newest.sharedAccounts, [SECOND_ACCOUNT_ID]);
    assert.equal(newest.sizeGiB, 40);
    assert.equal(newest.encrypted, false);
    assert.match(newest.configHash ?? '', /^cafe/);

    const glob = await box.run([
      'packer',
      'list',
      '--region',
      'cn-shanghai',
      '--name',
      'sindri-*-1',
      '--json',
    ]);
    assert.deepEqual(
      parseList(glob.stdout)
        .images.map((i) => i.name)
        .sort(),
      ['sindri-production-1', 'sindri-staging-1'],
    );

    const table = await box.run(['packer', 'list', '--region', 'cn-shanghai', '--name', 'production']);
    assert.equal(table.code, 0, table.stderr);
    for (const head of [
      'IMAGE ID',
      'NAME',
      'REGION',
      'STATUS',
      'CREATED',
      'SIZE',
      'ENCRYPTED',
      'SHARED',
      'CONFIG HASH',
      'DEPRECATED',
    ])
      assert.ok(table.stdout.includes(head), head);
    assert.ok(table.stdout.includes('2025-03-01 11:00'));
    assert.ok(table.stdout.indexOf('sindri-production-2') < table.stdout.indexOf('sindri-production-1'));
    assert.ok(!table.stdout.includes('sindri-staging-1'));
    assert.ok(!table.stdout.includes('\u001b['), 'no colour codes in piped output');
    assert.match(table.stderr, /2 sindri image\(s\) in cn-shanghai/);
  });

  it('uses the region from sindri.yaml, then ALICLOUD_REGION, then cn-hangzhou', async () => {
    seedImage(emu, { region: 'cn-beijing', name: 'in-beijing' });
    seedImage(emu, { region: 'cn-hangzhou', name: 'in-hangzhou' });
    const viaEnv = await box.run(['packer', 'list', '--json'], { env: { ALICLOUD_REGION: 'cn-beijing' } });
    assert.deepEqual(
      parseList(viaEnv.stdout).images.map((i) => i.name),
      ['in-beijing'],
    );
    const fallback = await box.run(['packer', 'list', '--json']);
    assert.deepEqual(
      parseList(fallback.stdout).images.map((i) => i.name),
      ['in-hangzhou'],
    );
    const config = join(box.cwd, 'sindri.yaml');
    await writeFile(config, MINIMAL_CONFIG.replace('REGION', 'cn-shenzhen'));
    try {
      seedImage(emu, { region: 'cn-shenzhen', name: 'in-shenzhen' });
      const viaConfig = await box.run(['packer', 'list', '--json'], {
        env: { ALICLOUD_REGION: 'cn-beijing' },
      });
      assert.equal(viaConfig.code, 0, viaConfig.stderr);
      assert.deepEqual(
        parseList(viaConfig.stdout).images.map((i) => i.name),
        ['in-shenzhen'],
      );
      const flagWins = await box.run(['packer', 'list', '--region', 'cn-beijing', '--json']);
      assert.deepEqual(
        parseList(flagWins.stdout).images.map((i) => i.name),
        ['in-beijing'],
      );
    } finally {
      await rm(config);
    }
  });

  it('fails with the Alibaba code and request ID when a region cannot be listed', async () => {
    emu.admin.injectFault({ action: 'DescribeImages', region: 'cn-shanghai', code: 'Forbidden.RAM' });
    const res = await box.run(['packer', 'list', '--all-regions']);
    assert.equal(res.code, 1);
    assert.match(res.stderr, /Forbidden\.RAM/);
    assert.match(res.stderr, /cn-shanghai/);
    assert.match(res.stderr, /request ID: \S+/i);
    assert.match(res.stderr, /fix: /i);
    assert.doesNotMatch(res.stderr, STACK_TRACE);
    assert.equal(res.stdout, '');
  });

  it('--all-regions over an answer without regions fails (InvalidResponse) instead of listing nothing and exiting 0', async () => {
    emu.admin.injectFault({ action: 'ecs:DescribeRegions', omitFields: ['Regions'] });
    const res = await box.run(['packer', 'list', '--all-regions', '--json']);
    assert.equal(res.code, 1, res.stdout);
    const out = JSON.parse(res.stdout) as { error: { code: string; message: string } };
    assert.equal(out.error.code, 'InvalidResponse');
    assert.match(out.error.message, /DescribeRegions answered without any region/);
  });

  it('rejects --region together with --all-regions (exit 2)', async () => {
    const res = await box.run(['packer', 'list', '--region', 'cn-hangzhou', '--all-regions']);
    assert.equal(res.code, 2);
  });
});
