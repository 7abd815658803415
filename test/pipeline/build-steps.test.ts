/** The build's steps in process, against the emulator with the real packer: alone, and runBuild as a whole. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { CloudClients } from '../../src/cloud/index.ts';
import { type LoadedConfig, loadConfig } from '../../src/config/load.ts';
import { SindriError } from '../../src/errors.ts';
import { findPacker, type PackerBinary } from '../../src/packer/binary.ts';
import { BUILD, buildContext, type RunBuildOptions, runBuild } from '../../src/pipeline/build.ts';
import type { BuildContext } from '../../src/pipeline/context.ts';
import { createProgress } from '../../src/pipeline/progress.ts';
import { loadRecord } from '../../src/pipeline/record.ts';
import { runSteps } from '../../src/pipeline/run.ts';
import { lookUpCache } from '../../src/pipeline/steps/cache.ts';
import { checkName } from '../../src/pipeline/steps/check-name.ts';
import { connect } from '../../src/pipeline/steps/connect.ts';
import { render } from '../../src/pipeline/steps/render.ts';
import { resolveNetwork } from '../../src/pipeline/steps/resolve-network.ts';
import { stageName } from '../../src/pipeline/steps/stage-name.ts';
import { writeTemplate } from '../../src/pipeline/steps/write-template.ts';
import { renderConfig } from '../../src/render/config.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { seedImage, sindriTags } from '../lifecycle/helpers.ts';

describe('build steps, in process', () => {
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  let packer: PackerBinary;
  const dirs: string[] = [];

  before(async () => {
    emu = await startEmulator();
    env = emulatorEnv(emu.url);
    packer = (await findPacker(env)) as PackerBinary;
    assert.ok(packer, 'packer is installed');
  });
  after(async () => {
    await emu.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  async function load(name: string, alibaba: string[] = []): Promise<LoadedConfig> {
    const dir = mkdtempSync(join(tmpdir(), 'sindri-steps-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'sindri.yaml'),
      [
        'version: "1.0"',
        'name: build-steps',
        'extensions:',
        '  profile: minimal',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        `    image_name: ${name}`,
        '    build:',
        `      ssh_port: ${emu.sshPort}`,
        '    alibaba:',
        '      region: cn-hangzhou',
        ...alibaba.map((line) => `      ${line}`),
        '',
      ].join('\n'),
    );
    return loadConfig({ cwd: dir, env });
  }

  function options(loaded: LoadedConfig, force = false): RunBuildOptions {
    return {
      loaded,
      packer,
      options: {
        force,
        onError: 'cleanup',
        varFiles: [],
        debug: false,
        sindriVersion: '0.1.0',
        log: () => {},
      },
      progress: createProgress({ enabled: false }),
      signal: new AbortController().signal,
      env,
    };
  }

  const clients = async (ctx: BuildContext): Promise<CloudClients> => ctx.session.clients('cn-hangzhou');

  it('the build reads top to bottom: preflight, packer, then the distribution', () => {
    assert.deepEqual(
      BUILD.map((s) => s.name),
      [
        'notify',
        'connect',
        'check-regions',
        'resolve-network',
        'render',
        'resolve-base',
        'cache',
        'check-name',
        'probe-reads',
        'placement',
        'begin',
        'stage-name',
        'write-template',
        'build-network',
        'packer-init',
        'packer-build',
        'remove-build-network',
        'tag-ancestry',
        'test-instance',
        'run-checks',
        'remove-test-instance',
        'test-verdict',
        'prepare-distribution',
        'rename-intermediate',
        'copy',
        'drop-intermediate',
        'share',
        'take-name',
        'join-family',
        'retention',
        'resource-group',
        'finish-distribution',
      ],
    );
  });

  it('runBuild builds with the real packer, records it, and a second run is a cache hit that builds nothing', async () => {
    const loaded = await load('steps-e2e', ['image_copy_regions: [cn-shanghai]']);
    const first = await runBuild(options(loaded));
    assert.equal(first.cached, false);
    assert.match(first.imageId, /^m-/);
    assert.deepEqual(Object.keys(first.images), ['cn-hangzhou', 'cn-shanghai']);
    assert.equal((await loadRecord(first.workDir)).status, 'done');
    assert.ok(existsSync(join(first.workDir, 'sindri.pkr.hcl')), 'the template sits beside the record');
    // The temporary resources packer names are named after the build, for sweep (packer 1.6.6 sends
    // no name for the security group; it is in the build's VPC, and in the journal).
    const name = `sindri-${first.buildId}`;
    for (const [action, param] of [
      ['CreateInstance', 'InstanceName'],
      ['CreateVpc', 'VpcName'],
      ['CreateVSwitch', 'VSwitchName'],
      ['CreateKeyPair', 'KeyPairName'],
    ] as const)
      assert.ok(
        emu.admin.requestLog({ action }).some((r) => r.params[param] === name),
        `${action} ${param}`,
      );
    // The journal of the calls packer made names what they created and deleted, and nothing secret.
    const journal = readFileSync(join(first.workDir, 'api-calls.jsonl'), 'utf8');
    const entries = journal
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; kind: string });
    for (const kind of ['instance', 'eip', 'vpc', 'vswitch', 'security-group', 'key-pair'])
      assert.deepEqual(
        entries.filter((e) => e.kind === kind).map((e) => e.event),
        ['created', 'deleted'],
        kind,
      );
    assert.doesNotMatch(journal, /LTAI|Signature|secret/i);
    const launches = emu.admin.requestLog({ action: 'CreateInstance' }).length;
    const second = await runBuild(options(loaded));
    assert.equal(second.cached, true);
    assert.equal(second.imageId, first.imageId);
    assert.equal(second.buildId, first.buildId, 'the cache hit continues the build it reuses');
    assert.equal(emu.admin.requestLog({ action: 'CreateInstance' }).length, launches);
  });

  it('resolve-network finds the VPC of a VSwitch without changing the configuration; the hash stays that of `template`', async () => {
    const ctx0 = buildContext(options(await load('steps-vsw')));
    const c = await clients(ctx0);
    const vpc = (await c.call('ecs', 'CreateVpc', {
      regionId: 'cn-hangzhou',
      cidrBlock: '10.0.0.0/16',
    } as never)) as {
      vpcId: string;
    };
    const vsw = (await c.call('ecs', 'CreateVSwitch', {
      regionId: 'cn-hangzhou',
      zoneId: 'cn-hangzhou-h',
      vpcId: vpc.vpcId,
      cidrBlock: '10.0.1.0/24',
    } as never)) as { vSwitchId: string };
    try {
      const loaded = await load('steps-vsw', [`vswitch_id: ${vsw.vSwitchId}`]);
      const ctx = buildContext(options(loaded));
      const before = structuredClone(loaded.config);
      await runSteps(ctx, [connect, resolveNetwork, render]);
      assert.equal(ctx.record.vpcId, vpc.vpcId);
      assert.deepEqual(loaded.config, before, 'the configuration is not changed');
      const template = await renderConfig(loaded, packer, { buildId: 'x', sindriVersion: '0.1.0' });
      assert.equal(ctx.record.configHash, template.configHash, 'the same hash as `sindri packer template`');
      assert.deepEqual(ctx.work.rendered?.packerArgs.slice(-2), ['-var', `vpc_id=${vpc.vpcId}`]);
      assert.equal(ctx.record.status, 'preflight', 'nothing is kept before the cache is decided');

      const missing = buildContext(options(await load('steps-vsw2', ['vswitch_id: vsw-doesnotexist00000'])));
      await assert.rejects(runSteps(missing, [resolveNetwork]), (e: unknown) => {
        assert.ok(e instanceof SindriError);
        assert.equal(e.code, 'InvalidVSwitchId.NotFound');
        return true;
      });
    } finally {
      await c.call('ecs', 'DeleteVSwitch', { regionId: 'cn-hangzhou', vSwitchId: vsw.vSwitchId } as never);
      await c.call('ecs', 'DeleteVpc', { regionId: 'cn-hangzhou', vpcId: vpc.vpcId } as never);
    }
  });

  it('cache: a miss leaves the build to packer; a hit takes the image and its build ID', async () => {
    const loaded = await load('steps-cache');
    const miss = buildContext(options(loaded));
    await runSteps(miss, [connect, render, lookUpCache]);
    assert.equal(miss.record.cached, false);
    const { image } = seedImage(emu, {
      region: 'cn-hangzhou',
      name: 'steps-cache',
      tags: { ...sindriTags('b-cached'), 'sindri:config-hash': miss.record.configHash },
    });
    const hit = buildContext(options(loaded));
    await runSteps(hit, [connect, render, lookUpCache]);
    assert.equal(hit.record.cached, true);
    assert.equal(hit.record.imageId, image.id);
    assert.equal(hit.record.buildId, 'b-cached');
    const forced = buildContext(options(loaded, true));
    await runSteps(forced, [connect, render, lookUpCache]);
    assert.equal(forced.record.cached, false, '--force ignores the cache');
  });

  it('check-name refuses a taken name (compared exactly); with --force the new image is built under a staging name, the old one kept', async () => {
    const loaded = await load('steps-taken');
    seedImage(emu, { region: 'cn-hangzhou', name: 'steps-taken-2', tags: sindriTags('b-other') });
    const free = buildContext(options(loaded));
    await runSteps(free, [connect, checkName]);
    assert.deepEqual(free.work.sameName, [], 'a longer name that merely contains it is not the same name');

    const { image } = seedImage(emu, {
      region: 'cn-hangzhou',
      name: 'steps-taken',
      tags: sindriTags('b-old'),
    });
    await assert.rejects(runSteps(buildContext(options(loaded)), [connect, checkName]), (e: unknown) => {
      assert.ok(e instanceof SindriError);
      assert.equal(e.code, 'ImageNameTaken');
      assert.match(e.message, new RegExp(image.id));
      return true;
    });
    const forced = buildContext(options(loaded, true));
    forced.record.status = 'building';
    await runSteps(forced, [connect, checkName, stageName]);
    assert.match(
      forced.record.imageName,
      new RegExp(`^steps-taken-next-${forced.record.buildId.slice(-6)}$`),
    );
    assert.equal(forced.record.replacement?.name, 'steps-taken');
    assert.ok(
      emu.admin.world.get('image', 'cn-hangzhou', image.id),
      'the old image stays until the new one is done',
    );
  });

  it('write-template writes the rendered files into the record’s directory', async () => {
    const ctx = buildContext(options(await load('steps-write')));
    ctx.record.status = 'building';
    await runSteps(ctx, [connect, render, writeTemplate]);
    const dir = ctx.work.workDir as string;
    assert.ok(existsSync(join(dir, 'sindri.pkr.hcl')));
    assert.ok(existsSync(join(dir, 'record.json')), 'and the record beside it');
  });
});
