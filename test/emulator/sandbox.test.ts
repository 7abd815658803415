/**
 * Sandbox instances with the real packer: commands and uploads land in the instance's own root
 * filesystem, images capture it, copies and later builds see exactly those files.
 * Needs root and the base rootfs (`node scripts/setup.mjs sandbox`, run by `npm test`'s pretest).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { launchFromImage, rootClients } from '../helpers/sandbox.ts';
import { type Emulator, SandboxUnavailableError, startEmulator } from './index.ts';
import { runPackerBuild } from './packer-harness.ts';

const TEMPLATE = new URL('../fixtures/emulator/packer/sandbox.pkr.hcl', import.meta.url).pathname;
const FIXTURES = new URL('../fixtures/emulator/packer/', import.meta.url).pathname;

let emu: Emulator;
before(async () => {
  emu = await startEmulator({ instances: 'sandbox' });
});
after(async () => {
  await emu.stop();
});

function sandbox() {
  assert.ok(emu.sandbox, 'the emulator runs no sandbox');
  return emu.sandbox;
}

async function build(vars: Record<string, string | number | string[]>) {
  const result = await runPackerBuild({
    emulatorUrl: emu.url,
    template: TEMPLATE,
    vars: { ssh_port: emu.sshPort, ...vars },
    cwd: FIXTURES,
    timeoutMs: 120_000,
  });
  assert.equal(result.exitCode, 0, `packer failed:\n${result.ui.join('\n')}\n${result.stderr}`);
  return result;
}

test('a build writes into the instance, the image and its copy carry the files, a build from it adds a layer', async () => {
  const first = await build({ image_name: 'sandbox-first', marker: 'first', copy_regions: ['cn-shanghai'] });
  const image = first.artifacts['cn-hangzhou'] ?? '';
  const copy = first.artifacts['cn-shanghai'] ?? '';
  // The shell provisioner ran in a PID namespace of its own, under the instance's host name.
  assert.ok(
    first.ui.some((l) => /pid \d+ host iZ/.test(l)),
    first.ui.join('\n'),
  );
  for (const target of [{ imageId: image }, { imageId: copy, regionId: 'cn-shanghai' }]) {
    const seen = await sandbox().run(
      target,
      'cat /etc/sandbox-layers /opt/uploaded.txt; ls /etc/sandbox-removed-by-build',
    );
    assert.deepEqual(seen, {
      exitCode: 0,
      stdout: 'first\nuploaded by packer\n/etc/sandbox-removed-by-build\n',
      stderr: '',
    });
  }

  // A second build from the image, uploading by sftp this time: its layer goes over the first one,
  // and a file it removed is gone from its image but not from the first.
  const second = await build({
    image_name: 'sandbox-second',
    marker: 'second',
    source_image: image,
    transfer: 'sftp',
  });
  const secondImage = second.artifacts['cn-hangzhou'] ?? '';
  const seen = await sandbox().run(
    { imageId: secondImage },
    'cat /etc/sandbox-layers; test ! -e /etc/sandbox-removed-by-build',
  );
  assert.deepEqual(seen, { exitCode: 0, stdout: 'first\nsecond\n', stderr: '' });
  assert.equal((await sandbox().run({ imageId: image }, 'cat /etc/sandbox-layers')).stdout, 'first\n');
  const login = emu.admin.requestLog({ action: 'CreateInstance' }).at(-1)?.params.ImageId;
  assert.equal(login, image);
});

test('CreateSnapshot of a running instance and CreateImage from the snapshot keep what the instance wrote', async () => {
  const built = await build({ image_name: 'sandbox-snapshot-source', marker: 'first' });
  const { instanceId } = await launchFromImage(emu, built.artifacts['cn-hangzhou'] ?? '');
  const written = await sandbox().run({ instanceId }, 'echo by-hand >/root/note && cat /etc/sandbox-layers');
  assert.deepEqual(written, { exitCode: 0, stdout: 'first\n', stderr: '' });
  const diskId = emu.admin.world.get('instance', 'cn-hangzhou', instanceId)?.systemDiskId;
  assert.ok(diskId);
  const c = await rootClients(emu);
  const snap = await c.call('ecs', 'CreateSnapshot', { diskId });
  // The instance goes on writing: the snapshot has the files of the moment it was taken.
  await sandbox().run({ instanceId }, 'echo later >/root/later');
  const image = await c.call('ecs', 'CreateImage', {
    regionId: 'cn-hangzhou',
    snapshotId: snap.snapshotId,
    imageName: 'sandbox-from-snapshot',
  });
  const seen = await sandbox().run(
    { imageId: image.imageId ?? '' },
    'cat /root/note /etc/sandbox-layers; test ! -e /root/later',
  );
  assert.deepEqual(seen, { exitCode: 0, stdout: 'by-hand\nfirst\n', stderr: '' });
});

test('commands are real processes: exit codes, stderr, no host processes, a read-only /proc/sys', async () => {
  const image = 'ubuntu_22_04_x64_20G_alibase_20240130.vhd';
  assert.deepEqual(await sandbox().run({ imageId: image }, 'echo out; echo err >&2; exit 3'), {
    exitCode: 3,
    stdout: 'out\n',
    stderr: 'err\n',
  });
  const ps = await sandbox().run({ imageId: image }, 'ls /proc | grep -c "^[0-9]"; cat /etc/debian_version');
  const [count, version] = ps.stdout.trim().split('\n');
  assert.ok(Number(count) <= 3, `the sandbox sees ${count} processes`);
  assert.match(version ?? '', /^1[3-9]\./);
  const sysctl = await sandbox().run({ imageId: image }, 'echo 1 >/proc/sys/net/ipv4/ip_forward');
  assert.notEqual(sysctl.exitCode, 0);
  assert.match(sysctl.stderr, /Read-only file system/);
  // An image's throwaway instance keeps nothing.
  await sandbox().run({ imageId: image }, 'touch /etc/scratch');
  assert.equal((await sandbox().run({ imageId: image }, 'test -e /etc/scratch')).exitCode, 1);
});

test('stop ends every process of the sandbox and removes its state', async () => {
  const own = await startEmulator({ instances: 'sandbox' });
  assert.ok(own.sandbox);
  const { instanceId } = await launchFromImage(own, 'ubuntu_22_04_x64_20G_alibase_20240130.vhd');
  const server = await own.sandbox.spawn(instanceId, 'exec sleep 600');
  assert.equal((await own.sandbox.run({ instanceId }, 'hostname')).exitCode, 0);
  const stateDir = own.sandbox.stateDir;
  await own.stop();
  await new Promise((resolve) => {
    if (server.exitCode !== null || server.signalCode !== null) return resolve(null);
    server.once('exit', resolve);
    setTimeout(resolve, 10_000).unref();
  });
  const survivors = readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(stateDir);
      } catch {
        return false;
      }
    });
  assert.deepEqual(survivors, []);
  assert.equal(existsSync(stateDir), false);
});

test('without its base rootfs the sandbox refuses to start and says why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sindri-no-rootfs-'));
  const rootfs = join(dir, 'rootfs');
  writeFileSync(`${rootfs}.unavailable`, 'mmdebstrap exited 1: E: cannot reach the mirror\n');
  const saved = process.env.SINDRI_SANDBOX_ROOTFS;
  process.env.SINDRI_SANDBOX_ROOTFS = rootfs;
  try {
    await assert.rejects(
      startEmulator({ instances: 'sandbox' }),
      (err: Error) => err instanceof SandboxUnavailableError && /cannot reach the mirror/.test(err.message),
    );
  } finally {
    if (saved === undefined) delete process.env.SINDRI_SANDBOX_ROOTFS;
    else process.env.SINDRI_SANDBOX_ROOTFS = saved;
  }
});
