// The base root filesystem of the emulator's sandbox instances (test/emulator/sandbox/): Debian's
// minbase with OpenSSH, built from Debian's packages by mmdebstrap and cached on the machine. A
// marker file holds the recipe it was built from; a changed recipe builds it again. When it cannot be
// built (not root, no mmdebstrap, no network) the reason goes to `<dir>.unavailable`, which the
// emulator reports instead of starting a sandbox instance.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const SUITE = 'trixie';
// Like a cloud image: an SSH server (which also brings scp and sftp-server, so uploads are real), and
// no init: policy-rc.d stops package scripts from starting services in the host's network.
const INCLUDE = ['openssh-server'];
const POLICY_RC = '#!/bin/sh\n# No init in the sandbox: package scripts must not start services.\nexit 101\n';
// The network inside is the host's: where the host trusts local CAs (a TLS-inspecting proxy between it
// and the registries), the sandbox trusts them too. update-ca-certificates adds them to the bundle
// when an image installs ca-certificates.
const HOST_CA_DIR = '/usr/local/share/ca-certificates';
const hostCas = existsSync(HOST_CA_DIR)
  ? readdirSync(HOST_CA_DIR)
      .filter((f) => f.endsWith('.crt'))
      .sort()
  : [];
const caDigest = createHash('sha256');
for (const f of hostCas) caDigest.update(f).update(readFileSync(join(HOST_CA_DIR, f)));
const RECIPE = JSON.stringify({
  suite: SUITE,
  variant: 'minbase',
  include: INCLUDE,
  policyRc: POLICY_RC,
  hostCas: caDigest.digest('hex'),
});
const MARKER = '.sindri-rootfs';

export function sandboxRootfsDir() {
  if (process.env.SINDRI_SANDBOX_ROOTFS) return process.env.SINDRI_SANDBOX_ROOTFS;
  const cache = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cache, 'sindri', `rootfs-${SUITE}`);
}

function isCurrent(dir) {
  try {
    return readFileSync(join(dir, MARKER), 'utf8') === RECIPE;
  } catch {
    return false;
  }
}

/** Builds the rootfs unless the cached one is current. Never throws: a failure is written down. */
export function ensureSandboxRootfs() {
  const dir = sandboxRootfsDir();
  const unavailable = `${dir}.unavailable`;
  if (isCurrent(dir)) {
    rmSync(unavailable, { force: true });
    return true;
  }
  const fail = (reason) => {
    mkdirSync(dirname(dir), { recursive: true });
    writeFileSync(unavailable, `${reason}\n`);
    console.error(`setup: the sandbox root filesystem cannot be built: ${reason}`);
    return false;
  };
  if (process.getuid?.() !== 0) return fail('building it needs root (mmdebstrap in root mode, chroot)');
  if (spawnSync('sh', ['-c', 'command -v mmdebstrap'], { stdio: 'ignore' }).status !== 0)
    return fail('mmdebstrap is not installed (apt-get install mmdebstrap)');
  const tmp = `${dir}.building-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  const started = Date.now();
  console.error(`setup: building the sandbox root filesystem (${SUITE}, minbase) in ${dir}`);
  const built = spawnSync(
    'mmdebstrap',
    [
      '--variant=minbase',
      '--mode=root',
      `--include=${INCLUDE.join(',')}`,
      `--customize-hook=printf '%s' '${POLICY_RC}' > "$1/usr/sbin/policy-rc.d" && chmod 0755 "$1/usr/sbin/policy-rc.d"`,
      ...(hostCas.length > 0
        ? [
            `--customize-hook=mkdir -p "$1${HOST_CA_DIR}" && cp ${hostCas.map((f) => `'${join(HOST_CA_DIR, f)}'`).join(' ')} "$1${HOST_CA_DIR}/"`,
          ]
        : []),
      SUITE,
      tmp,
    ],
    { stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8' },
  );
  if (built.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    const lines = (built.stderr ?? '').trim().split('\n').slice(-5).join(' | ');
    return fail(`mmdebstrap exited ${built.status ?? built.signal}: ${lines || built.error?.message || ''}`);
  }
  writeFileSync(join(tmp, MARKER), RECIPE);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  rmSync(unavailable, { force: true });
  console.error(`setup: sandbox root filesystem ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return existsSync(dir);
}
