/**
 * Sandbox instances: each running instance is a real root filesystem (an overlay over the base
 * rootfs and its image's layers) in which SSH commands run as real processes. Starting an instance
 * does what cloud-init does on first boot of a cloud image (hostname, DNS, the key pair for root,
 * missing SSH host keys, a machine ID). See docs/emulator.md, "Sandbox instances".
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Image, Instance, World } from '../state.ts';
import { LayerStore } from './layers.ts';
import { killGroup, spawnInside, startHolder } from './namespaces.ts';

const BOOT = `set -eu
printf '%s\\n' "$SANDBOX_HOSTNAME" >/etc/hostname
printf '%s\\n' "$SANDBOX_RESOLV_CONF" >/etc/resolv.conf
if [ ! -s /etc/machine-id ]; then tr -d '-' </proc/sys/kernel/random/uuid >/etc/machine-id; fi
if command -v ssh-keygen >/dev/null 2>&1; then ssh-keygen -A >/dev/null; fi
if [ -n "$SANDBOX_AUTHORIZED_KEY" ]; then
  install -d -m 0700 /root/.ssh
  touch /root/.ssh/authorized_keys
  grep -qxF "$SANDBOX_AUTHORIZED_KEY" /root/.ssh/authorized_keys ||
    printf '%s\\n' "$SANDBOX_AUTHORIZED_KEY" >>/root/.ssh/authorized_keys
  chmod 0600 /root/.ssh/authorized_keys
fi`;

export type SandboxTarget = { instanceId: string } | { imageId: string; regionId?: string };

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

interface Running {
  holder: Promise<ChildProcess>;
  commands: Set<ChildProcess>;
}

export class Sandbox {
  readonly world: World;
  readonly baseRootfs: string;
  readonly layers: LayerStore;
  private readonly running = new Map<string, Running>();
  private readonly ownsStateDir: boolean;

  constructor(world: World, baseRootfs: string, stateDir?: string) {
    this.world = world;
    this.baseRootfs = baseRootfs;
    this.ownsStateDir = stateDir === undefined;
    this.layers = new LayerStore(stateDir ?? mkdtempSync(join(tmpdir(), 'sindri-emulator-sandbox-')));
  }

  // ---- hooks of the ECS handlers ---------------------------------------------------------------------

  /** A system disk made from an image starts as that image's files. */
  diskCreated(diskId: string, image: Image): void {
    this.layers.createDisk(diskId, this.imageChain(image));
  }

  /** A stopped (or rebooting, or deleted) instance loses its processes and mounts. */
  instanceStopped(instance: Instance): void {
    const run = this.running.get(instance.id);
    if (!run) return;
    this.running.delete(instance.id);
    for (const c of run.commands) killGroup(c);
    run.holder.then((h) => h.stdin?.end()).catch(() => {});
  }

  instanceDeleted(instance: Instance): void {
    this.instanceStopped(instance);
    const disk = this.world.get('disk', instance.regionId, instance.systemDiskId);
    if (!disk) this.layers.deleteDisk(instance.systemDiskId);
  }

  snapshotTaken(snapshotId: string, diskId: string): void {
    const owner = this.world.list('instance').find((i) => i.systemDiskId === diskId);
    this.layers.capture(snapshotId, diskId, owner !== undefined && this.running.has(owner.id));
  }

  // ---- commands ---------------------------------------------------------------------------------------

  /** Runs a command in a running instance, booting its sandbox on first use. */
  async spawn(instanceId: string, command: string, env: string[] = []): Promise<ChildProcess> {
    const instance = this.instance(instanceId);
    const holder = await this.boot(instance);
    const child = spawnInside({
      holderPid: holder.pid ?? 0,
      root: this.diskOf(instance).root,
      hostName: instance.hostName,
      command,
      env,
    });
    const run = this.running.get(instance.id);
    run?.commands.add(child);
    child.on('close', () => run?.commands.delete(child));
    return child;
  }

  /**
   * An admin command in an instance, or in a throwaway instance of an image (its writes are discarded),
   * for tests' assertions on what a filesystem holds.
   */
  async run(target: SandboxTarget, command: string): Promise<RunResult> {
    if ('instanceId' in target) return collect(await this.spawn(target.instanceId, command));
    const image = this.findImage(target.imageId, target.regionId);
    const scratchId = `scratch-${image.id}-${Date.now()}`;
    const dirs = this.layers.createDisk(scratchId, this.imageChain(image));
    const holder = await startHolder({ ...dirs, lower: [...dirs.chain, this.baseRootfs] });
    try {
      return await collect(
        spawnInside({ holderPid: holder.pid ?? 0, root: dirs.root, hostName: 'image', command }),
      );
    } finally {
      holder.stdin?.end();
      await new Promise((resolve) => holder.once('exit', resolve));
      this.layers.deleteDisk(scratchId);
    }
  }

  async close(): Promise<void> {
    const holders = [...this.running.values()].map((r) => r.holder.catch(() => undefined));
    for (const instanceId of [...this.running.keys()]) {
      const instance = this.world.list('instance').find((i) => i.id === instanceId);
      if (instance) this.instanceStopped(instance);
    }
    await Promise.all(
      holders.map(async (h) => {
        const child = await h;
        if (child && child.exitCode === null) await new Promise((resolve) => child.once('exit', resolve));
      }),
    );
    this.running.clear();
    if (this.ownsStateDir) rmSync(this.layers.stateDir, { recursive: true, force: true });
  }

  // ---- internals --------------------------------------------------------------------------------------

  private instance(instanceId: string): Instance {
    const instance = this.world.list('instance').find((i) => i.id === instanceId);
    if (!instance) throw new Error(`no instance ${instanceId}`);
    return instance;
  }

  private diskOf(instance: Instance) {
    const disk = this.layers.disk(instance.systemDiskId);
    if (!disk) throw new Error(`instance ${instance.id} was not launched in sandbox mode`);
    return disk;
  }

  private findImage(imageId: string, regionId?: string): Image {
    const image = this.world.list('image', regionId).find((i) => i.id === imageId);
    if (!image) throw new Error(`no image ${imageId}`);
    return image;
  }

  /** An image's layers: its system snapshot's, or for a copy, its source's (the copy carries them). */
  private imageChain(image: Image): string[] {
    const snapshotId = image.snapshotIds[0];
    if (snapshotId === undefined) return [];
    const chain = this.layers.snapshotChain(snapshotId);
    if (chain) return chain;
    const source = image.copiedFrom
      ? this.world.list('image').find((i) => i.id === image.copiedFrom)
      : undefined;
    const sourceSnapshot = source?.snapshotIds[0];
    if (source && sourceSnapshot !== undefined) {
      const sourceChain = this.imageChain(source);
      this.layers.alias(snapshotId, sourceSnapshot);
      return sourceChain;
    }
    throw new Error(`the files of image ${image.id} (snapshot ${snapshotId}) are unknown to the sandbox`);
  }

  private boot(instance: Instance): Promise<ChildProcess> {
    const existing = this.running.get(instance.id);
    if (existing) return existing.holder;
    const disk = this.diskOf(instance);
    const run: Running = { holder: Promise.resolve(undefined as never), commands: new Set() };
    run.holder = (async () => {
      const holder = await startHolder({ ...disk, lower: [...disk.chain, this.baseRootfs] });
      const boot = await collect(
        spawnInside({
          holderPid: holder.pid ?? 0,
          root: disk.root,
          hostName: instance.hostName,
          command: BOOT,
          env: [
            `SANDBOX_HOSTNAME=${instance.hostName}`,
            `SANDBOX_RESOLV_CONF=${readFileSync('/etc/resolv.conf', 'utf8').trim()}`,
            `SANDBOX_AUTHORIZED_KEY=${this.authorizedKey(instance)}`,
          ],
        }),
      );
      if (boot.exitCode !== 0) throw new Error(`instance ${instance.id} did not boot: ${boot.stderr}`);
      return holder;
    })();
    this.running.set(instance.id, run);
    run.holder.catch(() => this.running.delete(instance.id));
    return run.holder;
  }

  private authorizedKey(instance: Instance): string {
    if (!instance.keyPairName) return '';
    const kp = this.world
      .list('keypair', instance.regionId, instance.accountId)
      .find((k) => k.name === instance.keyPairName);
    return kp?.publicKey.trim() ?? '';
  }
}

/** Waits for a command and collects its output. */
export function collect(child: ChildProcess): Promise<RunResult> {
  child.stdin?.end();
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => {
    stdout += d;
  });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ exitCode: code ?? 128 + signalNumber(signal), stdout, stderr }),
    );
  });
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal === 'SIGKILL' ? 9 : signal === 'SIGTERM' ? 15 : 1;
}
