/**
 * `communicator: cloud-assistant` with the real packer (1.6.6) against the emulator: no EIP, no public
 * address, no inbound rule anywhere; every provisioning script and upload goes through Cloud Assistant
 * and its output reaches the progress display (and --debug); a failing script fails the build naming
 * it; the test stage's checks run the same way; nothing is left behind.
 */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Emulator, FaultSpec } from '../emulator/index.ts';
import { jsonResult, runSindri, STACK_TRACE } from '../helpers/cli.ts';
import { emulatorProjects, liveTemporary, writeProject } from '../helpers/emulator-projects.ts';

interface BuildJson {
  imageId: string;
  workDir: string;
  placement?: { instanceType: string; zoneId: string; tried: unknown[] };
  test?: { passed: boolean; checks: Array<{ name: string; passed: boolean }> };
}

function writeConfig(dir: string, name: string, extra: { build?: string[]; alibaba?: string[] } = {}): void {
  writeFileSync(join(dir, 'motd'), 'built without SSH\n');
  writeProject(dir, name, {
    top: ['extensions:', '  additional: [docker, node]', 'tests:', '  checks:', '    - file: /etc/motd'],
    build: [
      '      communicator: cloud-assistant',
      ...(extra.build ?? []),
      '      files:',
      '        - source: motd',
      '          destination: /etc/motd',
    ],
    alibaba: ['      instance_type: ecs.g6.large', ...(extra.alibaba ?? [])],
  });
}

/** Every provisioning script of a rendered template, relative to it (`scripts/10-base.sh`). */
function renderedScripts(workDir: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.sh')) out.push(relative(workDir, join(dir, e.name)));
    }
  };
  walk(join(workDir, 'scripts'));
  return out.sort();
}

describe('a cloud-assistant build with the real packer', () => {
  const t = emulatorProjects();
  const workdir = () => t.workdir('sindri-ca-');
  const leaked = () => liveTemporary(t.emu);
  const publicAccess = () => ({
    eips: emu.admin.requestLog({ action: 'AllocateEipAddress' }).length,
    publicIps: emu.admin.requestLog({ action: 'AllocatePublicIpAddress' }).length,
    bandwidth: [
      ...emu.admin.requestLog({ action: 'CreateInstance' }),
      ...emu.admin.requestLog({ action: 'RunInstances' }),
    ]
      .map((e) => Number(e.params.InternetMaxBandwidthOut ?? 0))
      .filter((b) => b > 0),
    inbound: emu.admin.requestLog({ action: 'AuthorizeSecurityGroup' }).map((e) => e.params.PortRange),
  });

  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  before(() => {
    emu = t.emu;
    env = t.env;
  });

  it('provisions through Cloud Assistant only: no EIP, no public address, no inbound rule, every script run', async () => {
    const dir = workdir();
    writeConfig(dir, 'ca-build');
    emu.admin.setCommandResult({ match: 'Extension "docker"', exitCode: 0, stdout: 'docker says hello\n' });
    const r = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const result = jsonResult(r.stdout) as BuildJson;
    assert.match(result.imageId, /^m-/);
    assert.deepEqual(publicAccess(), { eips: 0, publicIps: 0, bandwidth: [], inbound: [] });
    assert.deepEqual(leaked(), []);

    // Every rendered script ran as a Cloud Assistant command on the build instance, and succeeded.
    const created = emu.admin.requestLog({ action: 'CreateInstance' });
    assert.equal(created.length, 1);
    const buildInstance = emu.admin
      .requestLog({ action: 'DeleteInstance' })
      .map((e) => e.params.InstanceId)
      .find((id) => emu.admin.invocations(id).some((i) => i.content.includes('00-wait-cloud-init')));
    assert.ok(buildInstance, 'the build instance ran the scripts');
    const runs = emu.admin.invocations(buildInstance);
    const scripts = renderedScripts(result.workDir);
    assert.ok(scripts.includes('scripts/extensions/docker.sh') && scripts.includes('scripts/40-files.sh'));
    for (const script of scripts) {
      const remote = `/run/sindri-ca/${script.replace(/[^A-Za-z0-9._-]/g, '_')}`;
      const ran = runs.filter((i) => i.content.includes(`{ '${remote}' 2>&1;`));
      assert.equal(ran.length, 1, `${script} ran once`);
      assert.equal(ran[0]?.state, 'Success', script);
    }
    // The upload and each script were sent with SendFile, the upload to its staging path.
    const records = emu.admin.instanceRecords(buildInstance);
    assert.ok(
      records.uploads.some((u) => u.path === '/tmp/sindri-upload/0' && u.content === 'built without SSH\n'),
    );
    assert.ok(records.uploads.every((u) => u.via === 'send-file'));
    assert.deepEqual(records.logins, [], 'no SSH login');

    // The script's own output in the progress display; the test stage's check through Cloud Assistant too.
    assert.match(r.stderr, /provision\s+docker says hello/);
    assert.match(r.stderr, /provision\s+step \d+\/\d+: scripts\/extensions\/docker\.sh/);
    assert.equal(result.test?.passed, true);
    assert.match(r.stderr, /running the checks through Cloud Assistant/);
    const testRuns = emu.admin
      .invocations()
      .filter((i) => i.content.includes('/etc/motd') && i.instanceId !== buildInstance);
    assert.ok(testRuns.length > 0, 'the check ran on the test instance through Cloud Assistant');
    assert.deepEqual(result.placement?.tried, []);
    emu.admin.clearCommandResults();
  });

  it('sindri packer test runs the checks on an image through Cloud Assistant too: no public access, no SSH', async () => {
    const dir = workdir();
    writeConfig(dir, 'ca-retest');
    const built = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(built.code, 0, built.stderr);
    const { imageId, test } = jsonResult(built.stdout) as BuildJson;
    emu.admin.clearRequestLog();
    const r = await runSindri(['packer', 'test', imageId, '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    const result = jsonResult(r.stdout) as { buildId: string; test: NonNullable<BuildJson['test']> };
    // The same checks as the build's test stage (the file and each extension's own), all passing.
    assert.ok(test?.checks.some((c) => c.name === 'file /etc/motd'));
    assert.deepEqual(
      result.test.checks.map((c) => [c.name, c.passed]),
      test?.checks.map((c) => [c.name, true]),
    );
    assert.deepEqual(publicAccess(), { eips: 0, publicIps: 0, bandwidth: [], inbound: [] });
    const launched = emu.admin.requestLog({ action: 'RunInstances' });
    assert.equal(launched.length, 1);
    assert.equal(launched[0]?.params.InstanceName, `sindri-${result.buildId}-test`);
    const testInstance = emu.admin
      .requestLog({ action: 'DeleteInstance' })
      .map((e) => e.params.InstanceId)
      .find((id) => emu.admin.invocations(id).some((i) => i.content.includes('/etc/motd')));
    assert.ok(testInstance, 'the check ran on the test instance as a Cloud Assistant command');
    assert.deepEqual(emu.admin.instanceRecords(testInstance).logins, [], 'no SSH login');
    assert.deepEqual(leaked(), []);
  });

  it('--debug shows the scripts output as well, and packer log lines', async () => {
    const dir = workdir();
    writeConfig(dir, 'ca-debug');
    emu.admin.setCommandResult({ match: 'Extension "node"', exitCode: 0, stdout: 'node says hello\n' });
    const r = await runSindri(['packer', 'build', '--debug'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /node says hello/);
    assert.match(r.stderr, /Provisioning with cloud assistant: scripts\/extensions\/node\.sh/);
    assert.match(r.stderr, /\[INFO\]|packer-builder|PACKER/);
    assert.deepEqual(leaked(), []);
    emu.admin.clearCommandResults();
  });

  it('a failing script fails the build naming it, its output and exit code, and leaves nothing behind', async () => {
    const dir = workdir();
    writeConfig(dir, 'ca-fail');
    emu.admin.setCommandResult({ match: 'Extension "docker"', exitCode: 3, stdout: 'no docker for you\n' });
    const before = emu.admin.requestLog({ action: 'CreateImage' }).length;
    const r = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(r.code, 1, r.stderr);
    const error = JSON.parse(r.stdout).error as { code: string; message: string };
    assert.equal(error.code, 'PackerBuildFailed');
    assert.match(error.message, /while running docker\.sh/);
    assert.match(error.message, /no docker for you/);
    assert.match(error.message, /docker\.sh failed through Cloud Assistant: exit 3/);
    assert.doesNotMatch(r.stderr, STACK_TRACE);
    assert.equal(emu.admin.requestLog({ action: 'CreateImage' }).length, before, 'no image was made');
    assert.deepEqual(leaked(), []);
    emu.admin.clearCommandResults();
  });

  /** A build of a new project with one fault on (cleared after). */
  async function buildWith(name: string, fault: FaultSpec) {
    const dir = workdir();
    writeConfig(dir, name);
    const on = emu.admin.injectFault(fault);
    try {
      return { dir, r: await runSindri(['packer', 'build', '--json'], { cwd: dir, env }) };
    } finally {
      emu.admin.clearFaults(on);
    }
  }
  /** `sindri packer sweep` removes all a build left. */
  async function sweptClean(dir: string) {
    const sweep = await runSindri(['packer', 'sweep', '--yes', '--json'], { cwd: dir, env });
    assert.equal(sweep.code, 0, sweep.stdout + sweep.stderr);
    assert.deepEqual(leaked(), [], 'sweep removed what the refusal left');
  }

  it("a refused delete of the build's own network fails the build at its end (CleanupFailed) naming it; sweep removes it", async () => {
    // sindri's own calls only (the SDK's signature): packer deletes its instance as usual.
    const { dir, r } = await buildWith('ca-undeletable', {
      action: 'DeleteVSwitch',
      code: 'Forbidden.RAM',
      signatureMethod: 'ACS3-HMAC-SHA256',
    });
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as {
      error: { code: string; message: string; actions: string[] };
      result: BuildJson;
      warnings: Array<{ message: string }>;
    };
    assert.equal(out.error.code, 'CleanupFailed');
    assert.match(out.error.message, /^the image was built, but sindri could not delete what it made/);
    assert.match(out.error.message, /vswitch vsw-\S+: .*Forbidden\.RAM/);
    assert.match(out.error.actions.join('\n'), /Allow \S*:DeleteVSwitch/);
    assert.match(out.error.actions.join('\n'), /sindri packer sweep/);
    // The build did everything else: the image, tested, is its result.
    assert.match(out.result.imageId, /^m-/);
    assert.equal(out.result.test?.passed, true);
    assert.match(JSON.stringify(out.warnings), /network could not all be removed/);
    assert.ok(
      leaked().some((x) => x.startsWith('vswitch ')),
      'the VSwitch really was left',
    );
    await sweptClean(dir);
  });

  it("when packer cannot delete its instance, the build's network it holds is tried once, not waited on", async () => {
    const sindriDeletes = () =>
      emu.admin.requestLog({ action: 'DeleteSecurityGroup' }).filter((e) => !e.proxied).length;
    const before = sindriDeletes();
    // packer's own calls only (its Go SDK's signature): sindri's test instance goes as usual.
    const { dir, r } = await buildWith('ca-instance-kept', {
      action: 'DeleteInstance',
      code: 'Forbidden.RAM',
      signatureMethod: 'HMAC-SHA1',
    });
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    assert.equal(out.error.code, 'CleanupFailed');
    assert.match(out.error.message, /packer could not delete/);
    assert.match(
      out.error.message,
      /security-group sg-\S+: /,
      "and sindri's network, which the instance holds",
    );
    // The build's security group once (the test instance's own network went before it).
    assert.equal(sindriDeletes() - before, 2, 'the held security group was tried once');
    await sweptClean(dir);
  });

  it('an image without the agent fails the build saying why', async () => {
    const dir = workdir();
    writeConfig(dir, 'ca-agentless', {
      build: ['      ssh_timeout: 3s'],
      alibaba: ['      source_image: m-bp1market00docker01'],
    });
    const r = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(r.code, 1, r.stderr);
    const error = JSON.parse(r.stdout).error as { message: string };
    assert.match(error.message, /Cloud Assistant agent of i-\S+ did not come up/);
    assert.deepEqual(leaked(), []);
  });
});
