/**
 * The test stage through the emulator with the real packer: an instance of the new image runs the
 * checks before anything is copied or shared; a failing check fails the build with nothing
 * distributed and nothing left running; the results come as JSON, JUnit XML and an SBOM.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { catalogueNames } from '../../src/config/catalogue.ts';
import { shellQuote } from '../../src/images/checks.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import type { Image } from '../emulator/state.ts';
import { interruptWhen, jsonResult, runSindri } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';

/** The docker extension's own check, from the catalogue. */
const DOCKER_CHECK = catalogueNames().checks.docker as string;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface TestJson {
  passed: boolean;
  checks: Array<{ name: string; passed: boolean; source: string; reason?: string }>;
  sbom?: { digest: string; packages: number; file: string };
}

describe('the test stage', () => {
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  const dirs: string[] = [];
  before(async () => {
    emu = await startEmulator();
    env = emulatorEnv(emu.url);
  });
  after(async () => {
    await emu.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  function config(name: string): string {
    const dir = mkdtempSync(join(tmpdir(), 'sindri-test-stage-'));
    dirs.push(dir);
    writeFileSync(
      join(dir, 'sindri.yaml'),
      [
        'version: "1.0"',
        'name: test-stage',
        'extensions: { profile: minimal, additional: [docker] }',
        'tests:',
        '  checks:',
        '    - name: sshd is there',
        '      command: test -x /usr/sbin/sshd',
        '    - file: /etc/ssh/ssh_host_rsa_key',
        '      exists: false',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        `    image_name: ${name}`,
        `    build: { ssh_port: ${emu.sshPort} }`,
        '    alibaba:',
        '      region: cn-hangzhou',
        '      image_copy_regions: [cn-shanghai]',
        '      image_share_accounts: ["1234567890123456"]',
        '',
      ].join('\n'),
    );
    return dir;
  }

  const temporary = () => {
    const l = emu.admin.liveResources();
    return [l.instances, l.eips, l.securityGroups, l.vswitches, l.vpcs, l.keyPairs].flat().map((r) => r.id);
  };
  // packer itself calls ModifyImageSharePermission (with no accounts) on every image it makes.
  const sindriShares = () =>
    emu.admin.requestLog({ action: 'ModifyImageSharePermission' }).filter((e) => !e.proxied).length;
  const imageTags = (id: string) =>
    Object.fromEntries((emu.admin.world.get('image', 'cn-hangzhou', id) as Image).tags);

  it('every check passes: the image is tagged, the results and the SBOM are in the result, then it is distributed', async () => {
    const dir = config('tested-ok');
    const junit = join(dir, 'out', 'junit.xml');
    const sbom = join(dir, 'out', 'sbom.json');
    const r = await runSindri(['packer', 'build', '--json', '--junit', junit, '--sbom', sbom], {
      cwd: dir,
      env,
    });
    assert.equal(r.code, 0, r.stderr);
    const result = jsonResult(r.stdout) as {
      imageId: string;
      images: Record<string, string>;
      test: TestJson;
    };
    assert.equal(result.test.passed, true);
    assert.deepEqual(
      result.test.checks.map((c) => [c.source, c.name]),
      [
        ['extension docker', `docker: ${DOCKER_CHECK}`],
        ['config', 'sshd is there'],
        ['config', 'file /etc/ssh/ssh_host_rsa_key'],
      ],
    );
    // The checks really ran on the instance: its SSH session saw each script.
    const launch = emu.admin.requestLog({ action: 'RunInstances' }).at(-1);
    assert.equal(launch?.params.ImageId, result.imageId, 'an instance of the new image');
    assert.equal(
      launch?.params.InstanceName,
      `sindri-${(jsonResult(r.stdout) as { buildId: string }).buildId}-test`,
    );
    const tags = imageTags(result.imageId);
    assert.equal(tags['sindri:test'], 'passed');
    assert.match(tags['sindri:sbom'] ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(tags['sindri:sbom'], result.test.sbom?.digest);
    const doc = JSON.parse(readFileSync(sbom, 'utf8')) as { bomFormat: string; specVersion: string };
    assert.deepEqual([doc.bomFormat, doc.specVersion], ['CycloneDX', '1.5']);
    assert.equal(readFileSync(result.test.sbom?.file as string, 'utf8'), readFileSync(sbom, 'utf8'));
    const xml = readFileSync(junit, 'utf8');
    assert.match(xml, /<testsuite name="sindri tested-ok" tests="3" failures="0"/);
    assert.deepEqual(Object.keys(result.images).sort(), ['cn-hangzhou', 'cn-shanghai'], 'then distributed');
    assert.deepEqual(temporary(), [], 'the test instance and all it needed are gone');

    // `sindri packer test` runs the same checks on the image again, in a test run of its own.
    const again = await runSindri(['packer', 'test', result.imageId, '--json'], { cwd: dir, env });
    assert.equal(again.code, 0, again.stderr);
    const retest = jsonResult(again.stdout) as { buildId: string; imageId: string; test: TestJson };
    assert.equal(retest.imageId, result.imageId);
    assert.notEqual(retest.buildId, (jsonResult(r.stdout) as { buildId: string }).buildId);
    assert.deepEqual(
      retest.test.checks.map((c) => [c.name, c.passed]),
      result.test.checks.map((c) => [c.name, true]),
    );
    assert.equal(
      emu.admin.requestLog({ action: 'RunInstances' }).at(-1)?.params.InstanceName,
      `sindri-${retest.buildId}-test`,
    );
    assert.deepEqual(temporary(), [], 'nothing left after the re-test');
  });

  it('a failing check fails the build before any copy or share, tags the image failed and leaves nothing running', async () => {
    const dir = config('tested-bad');
    const copies = emu.admin.requestLog({ action: 'CopyImage' }).length;
    const shares = sindriShares();
    const rule = emu.admin.setCommandResult({
      // The check as the test stage runs it, not the provisioning script that also calls docker.
      match: `^sh -c ${escapeRegExp(shellQuote(DOCKER_CHECK))}$`,
      regex: true,
      exitCode: 127,
      stderr: 'sh: docker: not found\n',
    });
    try {
      const r = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
      assert.equal(r.code, 1, r.stderr);
      const envelope = JSON.parse(r.stdout) as {
        error: { code: string; message: string };
        result?: { imageId: string; images: Record<string, string>; test: TestJson };
      };
      assert.equal(envelope.error.code, 'TestsFailed');
      assert.match(envelope.error.message, /1 of 3 check\(s\) failed/);
      assert.ok(
        envelope.error.message.includes(`docker: ${DOCKER_CHECK}: exited 127, not 0`),
        envelope.error.message,
      );
      assert.match(envelope.error.message, /docker: not found/, 'with its output');
      assert.equal(emu.admin.requestLog({ action: 'CopyImage' }).length, copies, 'no CopyImage');
      assert.equal(sindriShares(), shares, 'no share by sindri');
      const built = emu.admin.requestLog({ action: 'RunInstances' }).at(-1)?.params.ImageId as string;
      assert.equal(imageTags(built)['sindri:test'], 'failed');
      // The error names the image it kept, and the checks, as a successful build's result would.
      assert.equal(envelope.result?.imageId, built);
      assert.deepEqual(envelope.result?.images, { 'cn-hangzhou': built });
      assert.equal(envelope.result?.test.passed, false);
      assert.deepEqual(temporary(), [], 'no instance left');

      // Re-tested with the check still failing: exit 1, and the result says which check.
      const again = await runSindri(['packer', 'test', built, '--json'], { cwd: dir, env });
      assert.equal(again.code, 1, again.stderr);
      const failed = JSON.parse(again.stdout) as { error: { code: string }; result: { test: TestJson } };
      assert.equal(failed.error.code, 'TestsFailed');
      assert.deepEqual(
        failed.result.test.checks.filter((c) => !c.passed).map((c) => c.name),
        [`docker: ${DOCKER_CHECK}`],
      );
      assert.deepEqual(temporary(), [], 'no instance left after the re-test');
    } finally {
      emu.admin.clearCommandResults();
      void rule;
    }
  });

  it('Ctrl-C while a check runs removes the test instance and all made for it (the safety net), exit 130', async () => {
    const dir = config('tested-interrupted');
    // The docker check takes a while to answer, so the signal lands while the checks run.
    const rule = emu.admin.setCommandResult({
      match: `^sh -c ${escapeRegExp(shellQuote(DOCKER_CHECK))}$`,
      regex: true,
      exitCode: 0,
      delayMs: 3000,
    });
    try {
      const { code, stderr, sent } = await interruptWhen(['packer', 'build'], {
        cwd: dir,
        env,
        when: /\] test +test instance i-\w+ is running/,
      });
      assert.ok(sent, `never reached the checks:\n${stderr}`);
      assert.equal(code, 130, stderr);
      assert.match(stderr, /removed the test instance i-\w+ and what was made for it/);
      assert.deepEqual(temporary(), [], 'no test instance, network or key pair left');
    } finally {
      emu.admin.clearCommandResults();
      void rule;
    }
  });

  it('a refused DeleteInstance of the test instance fails the build at its end (CleanupFailed) naming sweep; what depends on the instance is tried once, not waited for', async () => {
    const dir = config('tested-undeletable');
    // Only sindri's own call (the SDK's signature) is refused; packer deletes its build instance.
    const fault = emu.admin.injectFault({
      action: 'DeleteInstance',
      code: 'Forbidden.RAM',
      signatureMethod: 'ACS3-HMAC-SHA256',
    });
    const groupDeletes = () =>
      emu.admin.requestLog({ action: 'DeleteSecurityGroup' }).filter((e) => !e.proxied).length;
    const before = groupDeletes();
    try {
      const r = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
      assert.equal(r.code, 1, r.stderr);
      const out = JSON.parse(r.stdout) as {
        error: { code: string; message: string; actions: string[] };
        result: { imageId: string };
        warnings: unknown;
      };
      assert.equal(out.error.code, 'CleanupFailed');
      assert.match(out.error.message, /instance i-\S+: .*Forbidden\.RAM/);
      assert.match(out.error.actions.join('\n'), /Allow ecs:DeleteInstance/);
      assert.match(out.result.imageId, /^m-/, 'the image is the result');
      const warnings = JSON.stringify(out.warnings);
      assert.match(warnings, /test instance's resources could not all be removed \(sindri packer sweep/);
      assert.match(warnings, /Forbidden\.RAM/);
      // The security group still holds the instance: one attempt, not ten minutes of retries.
      assert.equal(groupDeletes() - before, 1);
      assert.equal(warnings.match(/could not all be removed/g)?.length, 1, 'said once');
    } finally {
      emu.admin.clearFaults(fault);
    }
    // What stayed is the test instance and its network, which sweep finds by the build's name.
    const sweep = await runSindri(['packer', 'sweep', '--yes', '--json'], { cwd: dir, env });
    assert.equal(sweep.code, 0, sweep.stdout + sweep.stderr);
    assert.deepEqual(temporary(), [], 'sweep removed what the refusal left');
  });
});
