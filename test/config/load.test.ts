import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkCloud } from '../../src/config/cloud.ts';
import { ConfigError, formatProblems } from '../../src/config/errors.ts';
import { DEFAULT_SOURCE_IMAGE, loadConfig } from '../../src/config/load.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'test', 'fixtures', 'config');

function tempConfig(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sindri-config-'));
  writeFileSync(join(dir, 'sindri.yaml'), text);
  return dir;
}

async function problemsOf(p: Promise<unknown>): Promise<ConfigError> {
  const err = await p.then(
    () => assert.fail('expected a ConfigError'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError, String(err));
  return err;
}

describe('valid configurations', () => {
  for (const name of ['guide-basic', 'guide-production-kms', 'guide-multi-region', 'guide-cost-optimized']) {
    it(`${name}.yaml loads`, async () => {
      const { config, file } = await loadConfig({ configPath: join(fixtures, `${name}.yaml`), env: {} });
      assert.equal(file, join(fixtures, `${name}.yaml`));
      assert.equal(config.providers.packer.cloud, 'alibaba');
      assert.equal(config.deployment.provider, 'packer');
    });
  }

  it('sindri.example.yaml loads and keeps its values', async () => {
    const { config, locate } = await loadConfig({ configPath: 'sindri.example.yaml', cwd: root, env: {} });
    const a = config.providers.packer.alibaba;
    assert.equal(a.instance_type, 'ecs.g7.xlarge');
    assert.deepEqual(a.image_copy_regions, ['cn-shanghai', 'cn-beijing']);
    assert.equal(config.providers.packer.retention?.keep, 5);
    const text = readFileSync(join(root, 'sindri.example.yaml'), 'utf8');
    const pos = locate(['providers', 'packer', 'alibaba', 'instance_type']);
    assert.ok(pos);
    const line = text.split('\n')[pos.line - 1] ?? '';
    assert.equal(line.slice(pos.column - 1).split(' ')[0], 'ecs.g7.xlarge');
  });

  it('fills the documented defaults', async () => {
    const cwd = tempConfig('providers:\n  packer:\n    cloud: alibaba\n');
    const { config } = await loadConfig({ cwd, env: {} });
    const p = config.providers.packer;
    assert.equal(config.version, '1.0');
    assert.equal(config.name, 'sindri');
    assert.equal(p.image_name, 'sindri');
    assert.equal(p.alibaba.region, 'cn-hangzhou');
    assert.equal(p.alibaba.instance_type, 'ecs.g6.xlarge');
    assert.equal(p.alibaba.system_disk_size_gb, 80);
    assert.equal(p.alibaba.system_disk_category, 'cloud_essd');
    assert.equal(p.alibaba.source_image, DEFAULT_SOURCE_IMAGE);
    assert.equal(p.alibaba.spot_strategy, 'NoSpot');
    assert.equal(p.alibaba.internet_charge_type, 'PayByTraffic');
    assert.equal(p.alibaba.internet_max_bandwidth_out, 100);
    assert.equal(p.alibaba.associate_public_ip_address, false);
    assert.deepEqual(p.alibaba.image_copy_regions, []);
    assert.deepEqual(p.tags, {});
    assert.equal(p.build.ssh_timeout, '20m');
    assert.equal(p.build.ssh_username, 'root');
    assert.equal(p.build.ssh_port, 22);
    assert.equal(p.build.cache, true);
    assert.deepEqual(p.build.scripts, []);
    assert.deepEqual(p.build.environment, {});
    assert.deepEqual(config.extensions.additional, []);
  });

  it('an empty file is all defaults; image_family suppresses the default source image', async () => {
    const empty = await loadConfig({ cwd: tempConfig(''), env: {} });
    assert.equal(empty.config.providers.packer.alibaba.region, 'cn-hangzhou');
    const fam = await loadConfig({
      cwd: tempConfig('providers:\n  packer:\n    alibaba:\n      image_family: acs:ubuntu_22_04_x64\n'),
      env: {},
    });
    assert.equal(fam.config.providers.packer.alibaba.source_image, undefined);
    assert.equal(fam.config.providers.packer.alibaba.image_family, 'acs:ubuntu_22_04_x64');
  });

  it('a disk over 500 GiB is only too large for the basic cloud category, not for the default', async () => {
    const big = 'providers:\n  packer:\n    alibaba:\n      system_disk_size_gb: 600\n';
    const loaded = await loadConfig({ cwd: tempConfig(big), env: {} });
    assert.equal(loaded.config.providers.packer.alibaba.system_disk_category, 'cloud_essd');
    assert.equal(loaded.config.providers.packer.alibaba.system_disk_size_gb, 600);
    const basic = await problemsOf(
      loadConfig({ cwd: tempConfig(`${big}      system_disk_category: cloud\n`), env: {} }),
    );
    assert.match(basic.message, /at most 500 GiB/);
  });
});

describe('precedence: flags > file > environment > defaults', () => {
  const withRegion = 'providers:\n  packer:\n    alibaba:\n      region: cn-beijing\n';
  const env = {
    ALICLOUD_REGION: 'cn-shanghai',
    ALIBABA_CLOUD_REGION_ID: 'cn-shenzhen',
    ALIBABA_CLOUD_REGION: 'cn-chengdu',
  };

  it('default when nothing else is set', async () => {
    const { config } = await loadConfig({ cwd: tempConfig('name: x1\n'), env: {} });
    assert.equal(config.providers.packer.alibaba.region, 'cn-hangzhou');
  });
  it('environment over default, in variable order', async () => {
    const cwd = tempConfig('name: x1\n');
    assert.equal((await loadConfig({ cwd, env })).config.providers.packer.alibaba.region, 'cn-shanghai');
    const { ALICLOUD_REGION: _, ...rest } = env;
    assert.equal(
      (await loadConfig({ cwd, env: rest })).config.providers.packer.alibaba.region,
      'cn-shenzhen',
    );
    assert.equal(
      (await loadConfig({ cwd, env: { ALIBABA_CLOUD_REGION: 'cn-chengdu' } })).config.providers.packer.alibaba
        .region,
      'cn-chengdu',
    );
  });
  it('file over environment', async () => {
    const { config } = await loadConfig({ cwd: tempConfig(withRegion), env });
    assert.equal(config.providers.packer.alibaba.region, 'cn-beijing');
  });
  it('flags over file', async () => {
    const { config } = await loadConfig({
      cwd: tempConfig(`${withRegion}      instance_type: ecs.g6.large\n      system_disk_size_gb: 60\n`),
      env,
      overrides: {
        region: 'ap-southeast-1',
        'instance-type': 'ecs.c6.xlarge',
        'disk-size': 120,
        name: 'flag-image',
        profile: 'devops',
        extensions: ['rust'],
        'cis-hardening': true,
      },
    });
    const p = config.providers.packer;
    assert.equal(p.alibaba.region, 'ap-southeast-1');
    assert.equal(p.alibaba.instance_type, 'ecs.c6.xlarge');
    assert.equal(p.alibaba.system_disk_size_gb, 120);
    assert.equal(p.image_name, 'flag-image');
    assert.equal(config.extensions.profile, 'devops');
    assert.deepEqual(config.extensions.additional, ['rust']);
    assert.equal(p.build.security.cis_hardening, true);
  });
  it('a bad flag value names the flag, not a file position', async () => {
    const err = await problemsOf(
      loadConfig({ cwd: tempConfig(withRegion), env: {}, overrides: { 'disk-size': 5, region: 'Hangzhou' } }),
    );
    const byFile = Object.fromEntries(err.problems.map((p) => [p.file, p]));
    assert.equal(byFile['--disk-size']?.path, 'providers.packer.alibaba.system_disk_size_gb');
    assert.equal(byFile['--disk-size']?.line, undefined);
    assert.equal(byFile['--region']?.path, 'providers.packer.alibaba.region');
    assert.match(
      err.message,
      /^--disk-size {2}providers\.packer\.alibaba\.system_disk_size_gb {2}must be at least 20/m,
    );
  });
  it('a bad environment region names the variable', async () => {
    const err = await problemsOf(
      loadConfig({ cwd: tempConfig('name: x1\n'), env: { ALICLOUD_REGION: 'Shanghai' } }),
    );
    assert.equal(err.problems[0]?.file, '$ALICLOUD_REGION');
  });
  it('a flag that breaks a cross-field rule names the flag', async () => {
    const cwd = tempConfig(
      'providers:\n  packer:\n    alibaba:\n      system_disk_performance_level: PL2\n      system_disk_size_gb: 500\n',
    );
    await loadConfig({ cwd, env: {} });
    const err = await problemsOf(loadConfig({ cwd, env: {}, overrides: { 'disk-size': 100 } }));
    assert.equal(err.problems[0]?.file, '--disk-size');
    assert.match(err.problems[0]?.message ?? '', /461/);
  });
  it('unknown --profile and --extensions are reported against the flags', async () => {
    const err = await problemsOf(
      loadConfig({
        cwd: tempConfig('name: x1\n'),
        env: {},
        overrides: { profile: 'fulstack', extensions: ['dokcer'] },
      }),
    );
    assert.deepEqual(err.problems.map((p) => p.file).sort(), ['--extensions', '--profile']);
    assert.match(err.message, /did you mean "docker"/);
  });
});

describe('errors', () => {
  it('a missing file is a ConfigError naming the path and the example', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'sindri-config-'));
    const err = await problemsOf(loadConfig({ cwd, env: {} }));
    assert.equal(err.exitCode, 2);
    assert.match(err.message, /sindri\.yaml/);
    assert.match(err.message, /sindri\.example\.yaml/);
    const err2 = await problemsOf(loadConfig({ cwd, configPath: 'other.yaml', env: {} }));
    assert.match(err2.message, /other\.yaml/);
  });
  it('--cloud accepts only alibaba and names the supported clouds', () => {
    checkCloud('alibaba');
    checkCloud(undefined);
    assert.throws(
      () => checkCloud('aws'),
      (e: unknown) =>
        e instanceof ConfigError && e.exitCode === 2 && /supported clouds: alibaba/.test(e.message),
    );
  });
  it('formatProblems prints one block per problem with a fix line', () => {
    const text = formatProblems([
      {
        file: 'sindri.yaml',
        line: 12,
        column: 7,
        path: 'providers.packer.alibaba.region',
        message: 'bad',
        hint: 'fix it',
      },
      { file: '--region', path: 'providers.packer.alibaba.region', message: 'worse' },
    ]);
    assert.equal(
      text,
      'sindri.yaml:12:7  providers.packer.alibaba.region  bad\n  fix: fix it\n--region  providers.packer.alibaba.region  worse',
    );
  });
});

describe('regions, checked offline against the known region list', () => {
  const yaml = (alibaba: string) => `providers:\n  packer:\n    alibaba:\n${alibaba}`;

  it('a region shaped like a real one but not in the list is a warning at its line, not an error', async () => {
    const cwd = tempConfig(yaml('      region: ap-southeast-9\n      image_copy_regions: [cn-xian]\n'));
    const { warnings } = await loadConfig({ cwd, env: {} });
    assert.deepEqual(
      warnings?.map((w) => `${w.line}:${w.column} ${w.path}`),
      ['4:15 providers.packer.alibaba.region', '5:28 providers.packer.alibaba.image_copy_regions[0]'],
    );
    assert.match(warnings?.[0]?.hint ?? '', /DescribeRegions before packer starts/);
  });

  it('--region and $ALICLOUD_REGION are checked too, attributed to the flag or the variable', async () => {
    const cwd = tempConfig(yaml('      instance_type: ecs.g6.large\n'));
    const byFlag = await problemsOf(loadConfig({ cwd, env: {}, overrides: { region: 'cn-shangai' } }));
    assert.equal(byFlag.problems[0]?.file, '--region');
    assert.equal(byFlag.problems[0]?.hint, 'did you mean "cn-shanghai"?');
    const byEnv = await problemsOf(loadConfig({ cwd, env: { ALICLOUD_REGION: 'mars-north-1' } }));
    assert.equal(byEnv.problems[0]?.file, '$ALICLOUD_REGION');
    assert.equal(byEnv.exitCode, 2);
  });

  it('a zone hint never names a zone of a region that does not exist', async () => {
    for (const region of ['mars-north-1', 'cn-shangai']) {
      const cwd = tempConfig(yaml(`      region: ${region}\n      zone_id: cn-hangzhou-h\n`));
      const err = await problemsOf(loadConfig({ cwd, env: {} }));
      const zone = err.problems.find((p) => p.path === 'providers.packer.alibaba.zone_id');
      assert.ok(zone, err.message);
      assert.doesNotMatch(`${zone.message} ${zone.hint}`.replace(`"${region}"`, ''), new RegExp(region));
    }
    const cwd = tempConfig(yaml('      region: cn-hangzhou\n      zone_id: cn-shanghai-b\n'));
    const err = await problemsOf(loadConfig({ cwd, env: {} }));
    assert.match(err.problems[0]?.hint ?? '', /DescribeZones --RegionId cn-hangzhou/);
  });
});
