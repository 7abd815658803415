/**
 * `npm run catalogue`: CIS hardening and cleanup, run by the real packer in the emulator's sandbox.
 * The build's own SSH sessions must survive the hardening (cleanup runs after it over new sessions);
 * an instance of the image must accept a fresh key login from its own sshd, started in the sandbox on
 * a loopback port with the image's configuration; cleanup must leave no history, logs, caches,
 * credentials, host keys, authorized keys or machine ID in the image.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import ssh2 from 'ssh2';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { launchFromImage, type PackageServer, servePackedCli, sindriBuild, tail } from './harness.ts';

let emu: Emulator;
let cli: PackageServer;

before(async () => {
  emu = await startEmulator({ instances: 'sandbox' });
  cli = await servePackedCli();
});
after(async () => {
  await cli?.close();
  await emu?.stop();
});

/** What a build leaves that the cleanup must remove (run as a user script, before hardening and cleanup). */
const PLANT = `#!/usr/bin/env bash
set -euo pipefail
mkdir -p /home/ubuntu /root/.cache/pip /root/.npm/_cacache /root/.aliyun /root/.docker /root/.ssh
echo 'export ALIBABA_CLOUD_ACCESS_KEY_SECRET=canary' >/root/.bash_history
echo 'ls' >/home/ubuntu/.bash_history
echo 'import os' >/root/.python_history
echo cached >/root/.cache/pip/wheel
echo cached >/root/.npm/_cacache/index
echo '{"access_key_secret":"canary"}' >/root/.aliyun/config.json
echo '{"auths":{"x":{"auth":"canary"}}}' >/root/.docker/config.json
echo 'github.com ssh-ed25519 AAAA' >/root/.ssh/known_hosts
echo 'token=canary' >/var/log/sindri-build.log
echo old >/var/log/sindri-build.log.1
echo old | gzip >/var/log/sindri-build.log.2.gz
touch /tmp/sindri-leftover /var/tmp/sindri-leftover
test -s /etc/machine-id
compgen -G '/etc/ssh/ssh_host_*' >/dev/null
`;

/** Prints one line per thing that should not be in a cleaned image. */
const LEFTOVERS = `
for f in /root/.bash_history /home/ubuntu/.bash_history /root/.python_history /root/.cache /root/.npm \\
  /root/.aliyun /root/.docker/config.json /root/.ssh/known_hosts /root/.ssh/authorized_keys \\
  /var/log/sindri-build.log.1 /var/log/sindri-build.log.2.gz /tmp/sindri-leftover /var/tmp/sindri-leftover; do
  [ -e "$f" ] && echo "present: $f"
done
for f in /etc/ssh/ssh_host_*; do [ -e "$f" ] && echo "host key: $f"; done
[ -s /etc/machine-id ] && echo "machine-id: $(cat /etc/machine-id)"
[ -s /var/log/sindri-build.log ] && echo "log not truncated"
[ -n "$(ls -A /var/lib/apt/lists 2>/dev/null)" ] && echo "apt lists remain"
grep -rl canary /root /home /var/log /etc 2>/dev/null | sed 's/^/canary in /'
true`;

let hardenedImage = '';

test('CIS hardening and cleanup: the build survives its own hardening, the image keeps nothing of the build', async () => {
  const b = await sindriBuild(emu, cli, {
    name: 'catalogue-hardened',
    security: { cis_hardening: true },
    scripts: { 'plant-leftovers.sh': PLANT },
  });
  // The hardening ran before the cleanup: the cleanup's new SSH sessions are the proof they still work.
  assert.equal(b.code, 0, tail(b.log));
  console.log(`hardened build: ${b.seconds} s`);
  assert.match(b.log, /CIS level 1 hardening applied/);
  assert.match(b.log, /cleanup done/);
  hardenedImage = b.imageId;
  assert.ok(emu.sandbox);
  const leftovers = await emu.sandbox.run({ imageId: hardenedImage }, LEFTOVERS);
  assert.deepEqual({ code: leftovers.exitCode, found: leftovers.stdout }, { code: 0, found: '' });
  const cis = await emu.sandbox.run(
    { imageId: hardenedImage },
    'cat /etc/ssh/sshd_config.d/60-sindri-cis.conf /etc/sysctl.d/60-sindri-cis.conf; stat -c %a /etc/shadow; dpkg -s auditd aide libpam-pwquality | grep -c "^Status: install ok installed"',
  );
  assert.equal(cis.exitCode, 0, cis.stderr);
  assert.match(cis.stdout, /^PermitRootLogin prohibit-password$/m);
  assert.match(cis.stdout, /^PasswordAuthentication no$/m);
  assert.match(cis.stdout, /^kernel\.randomize_va_space = 2$/m);
  assert.match(cis.stdout, /^640\n3\n$/m);
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function sshLogin(
  port: number,
  auth: { privateKey: string } | { password: string },
): Promise<{ banner: string; output: string }> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let banner = '';
    client.on('banner', (text: string) => {
      banner += text;
    });
    client.on('error', reject);
    client.on('ready', () => {
      client.exec('id -un; cat /etc/machine-id', (err, stream) => {
        if (err) return reject(err);
        let output = '';
        stream.on('data', (d: Buffer) => {
          output += d.toString();
        });
        stream.on('close', () => {
          client.end();
          resolve({ banner, output });
        });
      });
    });
    client.connect({ host: '127.0.0.1', port, username: 'root', readyTimeout: 20_000, ...auth });
  });
}

test("a fresh instance of the hardened image takes a key login from the image's own sshd, and no password", async () => {
  assert.ok(hardenedImage, 'the hardened image was not built');
  assert.ok(emu.sandbox);
  const { instanceId, privateKey } = await launchFromImage(emu, hardenedImage);
  // First boot (as cloud-init does): new host keys and machine ID, the key pair for root. /run/sshd is
  // what ssh.service's RuntimeDirectory makes.
  const boot = await emu.sandbox.run(
    { instanceId },
    'install -d -m 0755 /run/sshd && sshd -t && ls /etc/ssh/ssh_host_ed25519_key && cat /etc/machine-id',
  );
  assert.equal(boot.exitCode, 0, boot.stderr);
  const port = await freePort();
  let sshd: ChildProcess | undefined;
  try {
    sshd = await emu.sandbox.spawn(
      instanceId,
      `exec /usr/sbin/sshd -D -e -p ${port} -o ListenAddress=127.0.0.1`,
    );
    let sshdLog = '';
    sshd.stderr?.setEncoding('utf8').on('data', (d: string) => {
      sshdLog += d;
    });
    for (let i = 0; i < 100 && !/Server listening/.test(sshdLog); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(sshdLog, /Server listening on 127\.0\.0\.1/);
    const login = await sshLogin(port, { privateKey });
    assert.match(login.banner, /Authorized use only/);
    const [user, machineId] = login.output.trim().split('\n');
    assert.equal(user, 'root');
    assert.match(machineId ?? '', /^[0-9a-f]{32}$/);
    await assert.rejects(sshLogin(port, { password: 'anything-at-all' }), /authentication methods failed/);
  } finally {
    sshd?.kill('SIGKILL');
  }
});

test('uploads land where build.files says; with clean_sensitive_data and remove_ssh_keys off the cleanup keeps caches and keys', async () => {
  const b = await sindriBuild(emu, cli, {
    name: 'catalogue-kept',
    security: { clean_sensitive_data: false, remove_ssh_keys: false },
    scripts: { 'plant-leftovers.sh': PLANT },
    uploads: [
      { name: 'motd', destination: '/etc/motd', content: 'Built by sindri\n' },
      { name: 'a.conf', destination: '/etc/sindri-test.d/a.conf', content: 'a=1\n' },
    ],
  });
  assert.equal(b.code, 0, tail(b.log));
  assert.ok(emu.sandbox);
  const kept = await emu.sandbox.run({ imageId: b.imageId }, LEFTOVERS);
  assert.match(kept.stdout, /present: \/root\/\.cache/);
  assert.match(kept.stdout, /host key: \/etc\/ssh\/ssh_host_ed25519_key/);
  // History, logs and the machine ID go whatever the flags say.
  assert.doesNotMatch(kept.stdout, /bash_history|machine-id|log not truncated/);
  // 40-files.sh moved the uploads into place, owned by root, and removed the staging directory.
  const placed = await emu.sandbox.run(
    { imageId: b.imageId },
    'cat /etc/motd /etc/sindri-test.d/a.conf; stat -c %U /etc/motd; test ! -e /tmp/sindri-upload',
  );
  assert.deepEqual(placed, { exitCode: 0, stdout: 'Built by sindri\na=1\nroot\n', stderr: '' });
});
