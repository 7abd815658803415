/**
 * Disks and snapshots of sandbox instances as directories. A snapshot's layer is a directory of
 * files (an overlayfs upper directory, whiteouts included); a disk is an overlay whose lower
 * directories are the layers of the snapshot it came from, newest first, over the base rootfs, and
 * whose upper directory is the disk's own writes.
 *
 *   <state>/layers/<snapshot ID>/      the files a snapshot added or changed
 *   <state>/disks/<disk ID>/upper/     the disk's writes since its last snapshot
 *   <state>/disks/<disk ID>/{work,root,run}/  overlayfs work dir, mount point, the instance's /run
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface DiskDirs {
  /** Lower layers, newest first (the base rootfs not included). */
  chain: string[];
  upper: string;
  work: string;
  root: string;
  run: string;
}

export class LayerStore {
  readonly stateDir: string;
  /** Snapshot ID → the layer chain it captured, newest first. Copies share their source's dirs. */
  private readonly snapshots = new Map<string, string[]>();
  private readonly disks = new Map<string, DiskDirs>();

  constructor(stateDir: string) {
    this.stateDir = stateDir;
    mkdirSync(join(stateDir, 'layers'), { recursive: true });
    mkdirSync(join(stateDir, 'disks'), { recursive: true });
  }

  hasSnapshot(snapshotId: string): boolean {
    return this.snapshots.has(snapshotId);
  }

  snapshotChain(snapshotId: string): string[] | undefined {
    return this.snapshots.get(snapshotId);
  }

  /** A copied snapshot (CopyImage) carries the same files: it shares the source's layers. */
  alias(snapshotId: string, sourceSnapshotId: string): void {
    const chain = this.snapshots.get(sourceSnapshotId);
    if (chain) this.snapshots.set(snapshotId, chain);
  }

  disk(diskId: string): DiskDirs | undefined {
    return this.disks.get(diskId);
  }

  /** A new disk over a snapshot's layers (or over the bare base rootfs). */
  createDisk(diskId: string, fromSnapshot: string[] = []): DiskDirs {
    const dir = join(this.stateDir, 'disks', diskId);
    const dirs: DiskDirs = {
      chain: [...fromSnapshot],
      upper: join(dir, 'upper'),
      work: join(dir, 'work'),
      root: join(dir, 'root'),
      run: join(dir, 'run'),
    };
    for (const d of [dirs.upper, dirs.work, dirs.root, dirs.run]) mkdirSync(d, { recursive: true });
    this.disks.set(diskId, dirs);
    return dirs;
  }

  /**
   * Takes a snapshot of a disk. An unmounted disk's upper directory becomes the layer and the disk
   * goes on over it with an empty one (copy on write, as a cloud disk does); a mounted disk is copied.
   */
  capture(snapshotId: string, diskId: string, mounted: boolean): void {
    const disk = this.disks.get(diskId);
    if (!disk) return;
    const layer = join(this.stateDir, 'layers', snapshotId);
    if (mounted) {
      mkdirSync(layer);
      const cp = spawnSync('cp', ['-a', '--reflink=auto', `${disk.upper}/.`, `${layer}/`], {
        encoding: 'utf8',
      });
      if (cp.status !== 0) throw new Error(`snapshot ${snapshotId} of ${diskId}: cp failed: ${cp.stderr}`);
      this.snapshots.set(snapshotId, [layer, ...disk.chain]);
      return;
    }
    renameSync(disk.upper, layer);
    mkdirSync(disk.upper);
    // The work directory belongs to the old upper directory.
    rmSync(disk.work, { recursive: true, force: true });
    mkdirSync(disk.work);
    disk.chain = [layer, ...disk.chain];
    this.snapshots.set(snapshotId, disk.chain);
  }

  /** Layers stay: images made from them may still be launched (and copies share them). */
  deleteDisk(diskId: string): void {
    const disk = this.disks.get(diskId);
    if (!disk) return;
    this.disks.delete(diskId);
    rmSync(join(this.stateDir, 'disks', diskId), { recursive: true, force: true });
  }
}
