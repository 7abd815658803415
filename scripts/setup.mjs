// Installs what `npm test` and `npm run demo` need on a fresh machine: the npm packages
// (when node_modules is missing or older than the lock file), the packer and shellcheck binaries and,
// with the argument `sandbox`, the emulator's sandbox root filesystem (scripts/sandbox-rootfs.mjs).
// Plain JavaScript on purpose: it runs before the project's own Node.js is installed.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureSandboxRootfs } from './sandbox-rootfs.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['packer'];
const wantsSandbox = args.includes('sandbox');
const tools = args.filter((a) => a !== 'sandbox');

function run(cmd, args) {
  console.error(`setup: ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: root });
}

function onPath(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const installed = join(root, 'node_modules', '.package-lock.json');
const lock = join(root, 'package-lock.json');
if (!existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs)) {
  run('npm', existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund']);
}

// The sandbox is built with mmdebstrap (and its rootfs has to be owned by root).
if (wantsSandbox && !onPath('mmdebstrap') && process.getuid?.() === 0) tools.push('mmdebstrap');
const missing = tools.filter((tool) => !onPath(tool));
if (missing.length > 0) {
  const isRoot = process.getuid?.() === 0;
  if (onPath('apt-get') && (isRoot || onPath('sudo'))) {
    const sudo = isRoot ? [] : ['sudo', '-n'];
    const env = 'DEBIAN_FRONTEND=noninteractive';
    run('sh', ['-c', `${sudo.join(' ')} env ${env} apt-get update -qq`]);
    run('sh', ['-c', `${sudo.join(' ')} env ${env} apt-get install -y -qq ${missing.join(' ')}`]);
  } else {
    console.error(
      `setup: ${missing.join(' and ')} not found. Install HashiCorp Packer (https://developer.hashicorp.com/packer/install)` +
        `${missing.includes('shellcheck') ? ' and shellcheck' : ''}, then run this command again.`,
    );
    process.exit(1);
  }
}

// A sandbox that cannot be built does not stop the other tests: the reason is kept next to the cache
// and every sandbox test fails with it.
if (wantsSandbox) ensureSandboxRootfs();
