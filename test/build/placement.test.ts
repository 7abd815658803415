/**
 * Stock-aware placement with the real packer against the emulator: a zone DescribeAvailableResource
 * reports sold out is never tried; a launch that still finds no stock (the stock ran out since the
 * look-up) runs packer again on the next candidate once packer has cleaned up, exactly once per
 * candidate, saying so in the progress and in --json; with every candidate out of stock the build
 * exits 1 naming what it tried; and the vCPU quota is checked before anything is made.
 */
import assert from 'node:assert/strict';
import { afterEach, before, describe, it } from 'node:test';
import type { Emulator } from '../emulator/index.ts';
import { jsonResult, runSindri } from '../helpers/cli.ts';
import { emulatorProjects, liveTemporary, writeProject } from '../helpers/emulator-projects.ts';

interface Attempt {
  instanceType: string;
  zoneId: string;
  code: string;
}

function config(dir: string, name: string, sshPort: number, types: string[], zoneId?: string): void {
  writeProject(dir, name, {
    top: ['tests:', '  enabled: false'],
    build: [`      ssh_port: ${sshPort}`],
    alibaba: [`      instance_type: [${types.join(', ')}]`, ...(zoneId ? [`      zone_id: ${zoneId}`] : [])],
  });
}

describe('stock-aware placement with the real packer', () => {
  const t = emulatorProjects();
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  before(() => {
    emu = t.emu;
    env = t.env;
  });
  const build = async (name: string, types: string[], zoneId?: string) => {
    const dir = t.workdir('sindri-place-');
    config(dir, name, emu.sshPort, types, zoneId);
    emu.admin.clearRequestLog();
    return runSindri(['packer', 'build', '--json'], { cwd: dir, env });
  };
  const launches = () =>
    emu.admin
      .requestLog({ action: 'CreateInstance' })
      .map((e) => `${e.params.InstanceType}@${e.params.ZoneId ?? ''}:${e.code ?? 'ok'}`);
  const leaked = () => liveTemporary(emu);
  afterEach(() => {
    emu.admin.clearNoStock();
    emu.admin.setQuotas({ instances: 50 });
  });

  it('a zone reported sold out is never tried: the first candidate starts elsewhere', async () => {
    emu.admin.setNoStock({ instanceType: 'ecs.g6.large', zoneId: 'cn-hangzhou-b' });
    const r = await build('placed', ['ecs.g6.large', 'ecs.g6.xlarge']);
    assert.equal(r.code, 0, r.stderr);
    const result = jsonResult(r.stdout) as {
      placement: { instanceType: string; zoneId: string; tried: Attempt[] };
    };
    assert.deepEqual(result.placement, { instanceType: 'ecs.g6.large', zoneId: 'cn-hangzhou-f', tried: [] });
    assert.deepEqual(launches(), ['ecs.g6.large@cn-hangzhou-f:ok']);
    assert.deepEqual(leaked(), []);
  });

  it('no stock at launch on the first candidate: the build succeeds on the second, with one extra launch', async () => {
    emu.admin.setNoStock({ instanceType: 'ecs.g6.large', zoneId: 'cn-hangzhou-b', hidden: true });
    const r = await build('retried', ['ecs.g6.large', 'ecs.g6.xlarge']);
    assert.equal(r.code, 0, r.stderr);
    const env = JSON.parse(r.stdout) as {
      result: { placement: { instanceType: string; zoneId: string; tried: Attempt[] } };
      warnings: Array<{ message: string }>;
    };
    assert.deepEqual(launches(), [
      'ecs.g6.large@cn-hangzhou-b:OperationDenied.NoStock',
      'ecs.g6.large@cn-hangzhou-f:ok',
    ]);
    assert.deepEqual(env.result.placement, {
      instanceType: 'ecs.g6.large',
      zoneId: 'cn-hangzhou-f',
      tried: [{ instanceType: 'ecs.g6.large', zoneId: 'cn-hangzhou-b', code: 'OperationDenied.NoStock' }],
    });
    assert.ok(
      env.warnings.some((w) =>
        /ecs\.g6\.large in cn-hangzhou-b: OperationDenied\.NoStock; trying ecs\.g6\.large in cn-hangzhou-f/.test(
          w.message,
        ),
      ),
      JSON.stringify(env.warnings),
    );
    assert.match(r.stderr, /launch\s+launching on ecs\.g6\.large in cn-hangzhou-f/);
    assert.deepEqual(leaked(), []);
  });

  it('in a fixed zone, no stock on the first type: the second type, with exactly one extra launch', async () => {
    emu.admin.setNoStock({ instanceType: 'ecs.g6.large', zoneId: 'cn-hangzhou-h', hidden: true });
    const r = await build('fixed-zone', ['ecs.g6.large', 'ecs.g6.xlarge'], 'cn-hangzhou-h');
    assert.equal(r.code, 0, r.stderr);
    const result = jsonResult(r.stdout) as { placement: { instanceType: string; tried: Attempt[] } };
    assert.deepEqual(launches(), [
      'ecs.g6.large@cn-hangzhou-h:OperationDenied.NoStock',
      'ecs.g6.xlarge@cn-hangzhou-h:ok',
    ]);
    assert.equal(result.placement.instanceType, 'ecs.g6.xlarge');
    assert.deepEqual(result.placement.tried, [
      { instanceType: 'ecs.g6.large', zoneId: 'cn-hangzhou-h', code: 'OperationDenied.NoStock' },
    ]);
    assert.deepEqual(leaked(), []);
  });

  it('the next instance type when the first has no stock in any zone', async () => {
    emu.admin.setNoStock({ instanceType: 'ecs.g6.large', hidden: true });
    const r = await build('second-type', ['ecs.g6.large', 'ecs.g6.xlarge']);
    assert.equal(r.code, 0, r.stderr);
    const result = jsonResult(r.stdout) as { placement: { instanceType: string; tried: Attempt[] } };
    assert.equal(result.placement.instanceType, 'ecs.g6.xlarge');
    // Each candidate once: three zones of the first type, then the second type's first zone.
    assert.deepEqual(
      launches().map((l) => l.replace(/@.*:/, ':')),
      [
        'ecs.g6.large:OperationDenied.NoStock',
        'ecs.g6.large:OperationDenied.NoStock',
        'ecs.g6.large:OperationDenied.NoStock',
        'ecs.g6.xlarge:ok',
      ],
    );
    assert.equal(new Set(launches()).size, launches().length, 'no candidate twice');
    assert.deepEqual(leaked(), []);
  });

  it('every candidate out of stock: exit 1 with each one tried and what to do', async () => {
    emu.admin.setNoStock({ instanceType: 'ecs.g6.large', hidden: true });
    emu.admin.setNoStock({ instanceType: 'ecs.g6.xlarge', hidden: true });
    const r = await build('no-stock', ['ecs.g6.large', 'ecs.g6.xlarge']);
    assert.equal(r.code, 1, r.stderr);
    const error = JSON.parse(r.stdout).error as { code: string; message: string; actions: string[] };
    assert.equal(error.code, 'OperationDenied.NoStock');
    const tried = launches();
    assert.equal(tried.length, 6);
    for (const l of tried) {
      const [type, zone] = l.replace(/:.*/, '').split('@');
      assert.ok(
        error.message.includes(`${type} in ${zone} (OperationDenied.NoStock)`),
        `${l} in: ${error.message}`,
      );
    }
    assert.ok(error.actions.some((a) => /instance_type/.test(a)));
    assert.deepEqual(leaked(), []);
  });

  it('the vCPU quota is checked before anything is made', async () => {
    emu.admin.setQuotas({ instances: 0 });
    const r = await build('no-vcpu', ['ecs.g6.large']);
    assert.equal(r.code, 1, r.stderr);
    const error = JSON.parse(r.stdout).error as { code: string; message: string };
    assert.equal(error.code, 'QuotaExceed.PostPaidVcpu');
    assert.match(error.message, /ecs\.g6\.large needs 2/);
    assert.deepEqual(launches(), []);
    assert.equal(emu.admin.requestLog({ action: 'CreateVpc' }).length, 0);
  });
});
