/** `sindri packer config`: the resolved configuration, each value with where it came from. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isolatedEnv, jsonResult, runSindri } from '../helpers/cli.ts';

const CONFIG = `version: "1.0"
name: sources
providers:
  packer:
    cloud: alibaba
    alibaba:
      instance_type: ecs.g6.large
      system_disk_size_gb: 60
`;

describe('packer config', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sindri-config-cmd-'));
  writeFileSync(join(dir, 'sindri.yaml'), CONFIG);
  after(() => rmSync(dir, { recursive: true, force: true }));
  const env = isolatedEnv({ ALICLOUD_REGION: 'cn-beijing' });

  it('names the source of every value: flag, file and line, environment, default', async () => {
    const r = await runSindri(['packer', 'config', '--disk-size', '100'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const rows = new Map(
      r.stdout
        .trimEnd()
        .split('\n')
        .slice(1)
        .map((l) => l.split(/\s{2,}/) as [string, string, string])
        .map(([k, v, s]) => [k, { v, s }]),
    );
    assert.deepEqual(rows.get('providers.packer.alibaba.instance_type'), {
      v: 'ecs.g6.large',
      s: 'file sindri.yaml:7',
    });
    assert.deepEqual(rows.get('providers.packer.alibaba.system_disk_size_gb'), {
      v: '100',
      s: 'flag --disk-size',
    });
    assert.deepEqual(rows.get('providers.packer.alibaba.region'), {
      v: 'cn-beijing',
      s: 'env $ALICLOUD_REGION',
    });
    assert.deepEqual(rows.get('providers.packer.build.ssh_port'), { v: '22', s: 'default' });
    assert.equal(r.stderr, '');
  });

  it('--json carries the configuration and the sources; --output and --columns work as for list', async () => {
    const json = await runSindri(['packer', 'config', '--json'], { cwd: dir, env });
    const result = jsonResult(json.stdout);
    assert.equal(result.config.providers.packer.alibaba.region, 'cn-beijing');
    assert.equal(result.sources['providers.packer.alibaba.region'], 'env $ALICLOUD_REGION');
    const keys = await runSindri(['packer', 'config', '--columns', 'key,source', '--output', 'csv'], {
      cwd: dir,
      env,
    });
    assert.match(keys.stdout, /^key,source\r\n/);
    assert.match(keys.stdout, /\r\nname,file sindri\.yaml:2\r\n/);
  });
});
