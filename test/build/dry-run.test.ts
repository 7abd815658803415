/**
 * `build --dry-run` prints the build's plan on stdout: cache hit or miss and why, what the name
 * check and --force would do, regions, shares, what retention would retire, the test stage; it reads
 * the account and changes nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isolatedEnv, jsonResult, runSindri } from '../helpers/cli.ts';
import { useEmulatorDir } from '../helpers/emulator-dir.ts';
import { seedImage, sindriTags } from '../lifecycle/helpers.ts';

const config = (name: string, sshPort: number) => `version: "1.0"
name: ${name}
extensions:
  profile: minimal
tests:
  enabled: true
  checks:
    - name: shell
      command: "true"
providers:
  packer:
    cloud: alibaba
    image_name: ${name}
    build:
      ssh_port: ${sshPort}
    alibaba:
      region: cn-hangzhou
      image_copy_regions: [cn-shanghai]
      image_share_accounts: ["1000000000000002"]
    retention:
      keep: 1
`;

describe('build --dry-run', () => {
  const box = useEmulatorDir('dry-run');

  const write = (name: string) => {
    const file = join(box.dir, `${name}.yaml`);
    writeFileSync(file, config(name, box.emu.sshPort));
    return file;
  };
  const creates = () =>
    box.emu.admin
      .requestLog()
      .filter((r) => /^(Create|Copy|Delete|Run|Modify|Allocate|Import)/.test(r.action ?? ''));

  it('a first build: cache miss, nothing in the way; regions, shares, tests; nothing changed', async () => {
    const file = write('plan-fresh');
    box.emu.admin.clearRequestLog();
    const r = await runSindri(['packer', 'build', '--dry-run', '--config', file], {
      env: box.env,
      cwd: box.dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /renders and passes packer validate/);
    assert.match(r.stdout, /^build plan-fresh in cn-hangzhou$/m);
    assert.match(r.stdout, /cache: +miss: no image in cn-hangzhou was built from this configuration/);
    assert.match(r.stdout, /name: +nothing stops the build/);
    assert.match(r.stdout, /regions: +cn-hangzhou, cn-shanghai/);
    assert.match(r.stdout, /shares: +1000000000000002/);
    assert.match(r.stdout, /test stage: +1 check\(s\) of sindri\.yaml/);
    assert.match(r.stdout, /retention: +nothing to retire/);
    assert.match(r.stdout, /nothing was built or changed \(dry run\)/);
    assert.deepEqual(creates(), []);
  });

  it('an image holding the name and older ones: the name stops the build, --force replaces, retention retires', async () => {
    const file = write('plan-web');
    const taken = seedImage(box.emu, { region: 'cn-hangzhou', name: 'plan-web', tags: sindriTags('taken') });
    const older = seedImage(box.emu, {
      region: 'cn-shanghai',
      name: 'plan-web-20240101',
      createdAt: box.emu.admin.world.now() - 86_400_000,
      tags: sindriTags('older'),
    });
    box.emu.admin.clearRequestLog();
    const r = await runSindri(['packer', 'build', '--dry-run', '--config', file], {
      env: box.env,
      cwd: box.dir,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`name: +the build stops: ${taken.image.id} holds the name plan-web`));
    assert.match(r.stdout, new RegExp(`--force: +replaces ${taken.image.id}`));
    assert.match(
      r.stdout,
      new RegExp(`deprecate ${older.image.id} plan-web-20240101 \\(cn-shanghai\\): beyond the 1 newest`),
    );
    const forced = await runSindri(['packer', 'build', '--dry-run', '--force', '--config', file, '--json'], {
      env: box.env,
      cwd: box.dir,
    });
    const result = jsonResult(forced.stdout);
    assert.deepEqual(result.plan.sameName.imageIds, [taken.image.id]);
    assert.equal(result.plan.cache.result, 'miss');
    assert.deepEqual(creates(), []);
  });

  it('after a build of the same configuration: a cache hit naming the image; --force says it ignores it', async () => {
    const file = write('plan-cached');
    const built = await runSindri(['packer', 'build', '--config', file, '--json'], {
      env: box.env,
      cwd: box.dir,
    });
    const imageId = jsonResult(built.stdout).images['cn-hangzhou'];
    const r = await runSindri(['packer', 'build', '--dry-run', '--config', file], {
      env: box.env,
      cwd: box.dir,
    });
    assert.match(r.stdout, new RegExp(`cache: +hit: ${imageId} was built from this configuration`));
    assert.match(r.stdout, /name: +nothing stops the build/);
    const forced = await runSindri(['packer', 'build', '--dry-run', '--force', '--config', file], {
      env: box.env,
      cwd: box.dir,
    });
    assert.match(forced.stdout, new RegExp(`cache: +miss: --force ignores the cache \\(${imageId}`));
    assert.match(forced.stdout, new RegExp(`name: +replaces ${imageId}`));
  });

  it('without credentials: the template is still checked, the account-dependent parts say why they are unknown', async () => {
    const file = write('plan-offline');
    const home = mkdtempSync(join(tmpdir(), 'sindri-dry-run-home-'));
    const r = await runSindri(['packer', 'build', '--dry-run', '--config', file], {
      env: isolatedEnv({ HOME: home }),
      cwd: box.dir,
    });
    rmSync(home, { recursive: true, force: true });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /cache: +unknown: the account was not read: .*No Alibaba Cloud credentials/);
    assert.match(r.stdout, /retention: +unknown/);
    assert.match(r.stdout, /regions: +cn-hangzhou, cn-shanghai/);
  });
});
