/**
 * `npm run catalogue`: the test stage on an image the real packer built in the emulator's sandbox,
 * its checks executed for real on an instance booted from the image (overlay root, real processes):
 * docker and node from the distribution with CIS hardening, then a check that really fails.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import type { Image } from '../emulator/state.ts';
import { type PackageServer, REGION, servePackedCli, sindriBuild, tail } from './harness.ts';

let emu: Emulator;
let cli: PackageServer;
let tested = '';

before(async () => {
  emu = await startEmulator({ instances: 'sandbox' });
  cli = await servePackedCli();
});
after(async () => {
  await cli?.close();
  await emu?.stop();
});

const live = () => {
  const l = emu.admin.liveResources();
  return [l.instances, l.eips, l.securityGroups, l.vswitches, l.vpcs, l.keyPairs].flat().map((r) => r.id);
};
const tagsOf = (id: string) => Object.fromEntries((emu.admin.world.get('image', REGION, id) as Image).tags);

test('docker and node (distro) with CIS hardening: an instance of the image runs every check, the SBOM lists the real packages', async () => {
  const b = await sindriBuild(emu, cli, {
    name: 'catalogue-tested',
    additional: ['docker', 'node'],
    security: { cis_hardening: true },
    tests: {
      checks: [
        { command: 'docker --version', stdout: '^Docker version ' },
        { command: 'node --version', stdout: '^v[0-9]+\\.' },
        { file: '/root/.bash_history', exists: false },
        { file: '/etc/ssh/sshd_config.d/60-sindri-cis.conf', contains: '^PasswordAuthentication no$' },
        { package: 'openssh-server' },
        { user: 'root' },
      ],
    },
  });
  assert.equal(b.code, 0, tail(b.log));
  console.log(`tested build: ${b.seconds} s`);
  const result = JSON.parse(b.stdout).result as {
    test: {
      passed: boolean;
      checks: Array<{ name: string; source: string; passed: boolean; seconds: number }>;
    };
    phases: Array<{ name: string; seconds: number }>;
  };
  console.log(`test stage: ${result.phases.find((p) => p.name === 'test')?.seconds ?? '?'} s`);
  assert.equal(result.test.passed, true);
  assert.deepEqual(
    result.test.checks.map((c) => [c.source, c.passed]),
    [
      ['extension docker', true],
      ['extension node', true],
      ...Array.from({ length: 6 }, () => ['config', true]),
    ],
  );
  // The checks ran over SSH on the test instance: the build's image was hardened, and still let it in.
  const runs = emu.admin.requestLog({ action: 'RunInstances' });
  assert.equal(runs.at(-1)?.params.ImageId, b.imageId);
  assert.equal(tagsOf(b.imageId)['sindri:test'], 'passed');
  const sbom = JSON.parse(readFileSync(b.test?.sbom?.file as string, 'utf8')) as {
    components: Array<{ name: string; version: string }>;
  };
  for (const pkg of ['docker.io', 'nodejs', 'auditd', 'openssh-server'])
    assert.ok(
      sbom.components.some((c) => c.name === pkg && c.version),
      `${pkg} in the SBOM`,
    );
  assert.equal(tagsOf(b.imageId)['sindri:sbom'], b.test?.sbom?.digest);
  // Host keys are made at first boot (the test instance had its own): the image itself has none.
  assert.ok(emu.sandbox);
  const keys = await emu.sandbox.run({ imageId: b.imageId }, 'ls /etc/ssh/ssh_host_* 2>/dev/null; true');
  assert.equal(keys.stdout, '');
  assert.deepEqual(live(), [], 'the test instance and its network are gone');
  tested = b.imageId;
});

test('a check that really fails fails the build before any copy or share, and leaves nothing running', async () => {
  assert.ok(tested, 'the tested image was not built');
  const copies = emu.admin.requestLog({ action: 'CopyImage' }).length;
  const b = await sindriBuild(emu, cli, {
    name: 'catalogue-failing',
    sourceImage: tested,
    copyRegions: ['cn-shanghai'],
    tests: {
      builtin: false,
      sbom: false,
      checks: [{ file: '/etc/ssh/sshd_config.d/60-sindri-cis.conf', contains: '^PermitRootLogin yes$' }],
    },
  });
  assert.equal(b.code, 1, tail(b.log));
  const envelope = JSON.parse(b.stdout) as { error: { code: string; message: string } };
  assert.equal(envelope.error.code, 'TestsFailed');
  assert.match(envelope.error.message, /no line of \/etc\/ssh\/sshd_config\.d\/60-sindri-cis\.conf matches/);
  assert.equal(emu.admin.requestLog({ action: 'CopyImage' }).length, copies, 'no CopyImage');
  const built = emu.admin.requestLog({ action: 'RunInstances' }).at(-1)?.params.ImageId as string;
  assert.equal(tagsOf(built)['sindri:test'], 'failed');
  assert.deepEqual(live(), [], 'no instance left');
});
