/**
 * The processes of a sandbox instance. A holder process per running instance owns a private mount
 * namespace with the instance's overlay root, /dev, /sys and /run mounted in it; it lives until the
 * emulator closes its stdin (or dies), and its mounts go with it. Every command runs in that
 * namespace (nsenter), in new PID, mount, UTS and IPC namespaces of its own (unshare), chrooted into
 * the root, as root, with a fresh /proc whose /proc/sys is read-only, so that `sysctl` cannot change
 * the host's kernel. The network is the host's.
 */
import { type ChildProcess, spawn } from 'node:child_process';

const HOLDER = `set -eu
root=$1 lower=$2 upper=$3 work=$4 run=$5
mount -t overlay overlay -o "lowerdir=$lower,upperdir=$upper,workdir=$work" "$root"
mkdir -p "$root/dev" "$root/sys" "$root/run" "$root/proc" "$root/tmp"
mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
for d in null zero full random urandom tty; do
  touch "$root/dev/$d"
  mount --bind "/dev/$d" "$root/dev/$d"
done
mkdir "$root/dev/pts" "$root/dev/shm"
mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
ln -s pts/ptmx "$root/dev/ptmx"
mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
ln -s /proc/self/fd "$root/dev/fd"
ln -s /proc/self/fd/0 "$root/dev/stdin"
ln -s /proc/self/fd/1 "$root/dev/stdout"
ln -s /proc/self/fd/2 "$root/dev/stderr"
mount --bind /sys "$root/sys"
mount -o remount,bind,ro "$root/sys"
mount --bind "$run" "$root/run"
echo ready
exec cat >/dev/null`;

const COMMAND = `set -eu
root=$1 host=$2 cmd=$3
shift 3
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount --bind "$root/proc/sys" "$root/proc/sys"
mount -o remount,bind,ro "$root/proc/sys"
hostname "$host"
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root USER=root \
  LOGNAME=root SHELL=/bin/bash LANG=C.UTF-8 "$@" \
  chroot "$root" /bin/sh -c 'cd "$HOME" 2>/dev/null || cd /; exec /bin/sh -c "$1"' sh "$cmd"`;

export interface MountSpec {
  root: string;
  /** Lower directories, top first, the base rootfs last. */
  lower: string[];
  upper: string;
  work: string;
  run: string;
}

/** Starts the holder; resolves once the mounts are in place. */
export function startHolder(spec: MountSpec): Promise<ChildProcess> {
  const child = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--',
      '/bin/sh',
      '-c',
      HOLDER,
      'holder',
      spec.root,
      spec.lower.join(':'),
      spec.upper,
      spec.work,
      spec.run,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (d.includes('ready')) resolve(child);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      reject(new Error(`the sandbox mounts failed (${code ?? signal}): ${stderr.trim()}`)),
    );
  });
}

export interface CommandSpec {
  holderPid: number;
  root: string;
  hostName: string;
  command: string;
  /** `NAME=value` pairs added to the command's environment. */
  env?: string[];
}

/** A command inside the instance; its process group is killed with the command's channel. */
export function spawnInside(spec: CommandSpec): ChildProcess {
  return spawn(
    'nsenter',
    [
      `--target=${spec.holderPid}`,
      '--mount',
      '--',
      'unshare',
      '--pid',
      '--mount',
      '--uts',
      '--ipc',
      '--fork',
      '--kill-child',
      '--',
      '/bin/sh',
      '-c',
      COMMAND,
      'sandbox',
      spec.root,
      spec.hostName,
      spec.command,
      ...(spec.env ?? []),
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], detached: true },
  );
}

export function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null)
      process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}
