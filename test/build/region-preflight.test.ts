/**
 * Region typos are caught before the build, not after it: `validate` judges every region offline
 * (exit 2 at file:line:column with a did-you-mean), and the build's preflight asks DescribeRegions
 * before packer starts, so a copy region the account does not have stops the build before anything is
 * created.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { jsonResult, runSindri, STACK_TRACE } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';

function config(dir: string, alibaba: string[]): void {
  writeFileSync(
    join(dir, 'sindri.yaml'),
    [
      'version: "1.0"',
      'name: region-preflight',
      'extensions:',
      '  profile: minimal',
      'providers:',
      '  packer:',
      '    cloud: alibaba',
      '    image_name: region-preflight',
      '    alibaba:',
      ...alibaba.map((l) => `      ${l}`),
      '',
    ].join('\n'),
  );
}

describe('regions before the build', () => {
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  const dirs: string[] = [];
  const workdir = () => {
    const d = mkdtempSync(join(tmpdir(), 'sindri-regions-'));
    dirs.push(d);
    return d;
  };
  before(async () => {
    emu = await startEmulator();
    env = emulatorEnv(emu.url);
  });
  after(async () => {
    await emu.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('validate fails `region: mars-north-1` and `image_copy_regions: [cn-shangai]` with exit 2 at their lines', async () => {
    const dir = workdir();
    config(dir, ['region: mars-north-1', 'image_copy_regions: [cn-shangai]']);
    const r = await runSindri(['packer', 'validate', '--syntax-only'], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr);
    assert.doesNotMatch(r.stderr, STACK_TRACE);
    assert.match(
      r.stderr,
      /sindri\.yaml:10:15 {2}providers\.packer\.alibaba\.region {2}"mars-north-1" is not an Alibaba Cloud region ID/,
    );
    assert.match(
      r.stderr,
      /sindri\.yaml:11:28 {2}providers\.packer\.alibaba\.image_copy_regions\[0\] {2}unknown region "cn-shangai"\n {2}fix: did you mean "cn-shanghai"\?/,
    );
  });

  it('a new-looking region passes validate with a warning that the build checks it', async () => {
    const dir = workdir();
    config(dir, ['region: cn-hangzhou', 'image_copy_regions: [ap-southeast-9]']);
    const r = await runSindri(['packer', 'validate', '--syntax-only', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const out = jsonResult(r.stdout) as { warnings: Array<{ path: string; message: string }> };
    assert.deepEqual(
      out.warnings.map((w) => w.path),
      ['providers.packer.alibaba.image_copy_regions[0]'],
    );
  });

  it('the build stops before packer starts when DescribeRegions does not list a copy region', async () => {
    // cn-qingdao is a real region (so validate lets it through) that the emulated account is not offered.
    const dir = workdir();
    config(dir, [
      'region: cn-hangzhou',
      'instance_type: ecs.g6.large',
      'image_copy_regions: [cn-shanghai, cn-qingdao]',
    ]);
    emu.admin.clearRequestLog();
    const r = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(r.code, 2, r.stderr);
    const out = JSON.parse(r.stdout) as {
      error: {
        code: string;
        problems: Array<{ line: number; column: number; path: string; message: string }>;
      };
    };
    assert.equal(out.error.code, 'InvalidConfig');
    assert.deepEqual(
      out.error.problems.map((p) => `${p.line}:${p.column} ${p.path}`),
      ['12:41 providers.packer.alibaba.image_copy_regions[1]'],
    );
    assert.match(out.error.problems[0]?.message ?? '', /cn-qingdao.*DescribeRegions/);
    const log = emu.admin.requestLog();
    assert.ok(log.some((e) => e.action === 'DescribeRegions'));
    // Nothing was created and packer never ran (packer signs HMAC-SHA1).
    assert.ok(!log.some((e) => e.signatureMethod === 'HMAC-SHA1'), 'packer did not start');
    assert.deepEqual(emu.admin.liveResources().instances, []);
  });
});
