import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DistributionState } from './distribute.ts';

export type RegionState = 'pending' | 'copying' | 'available' | 'failed';

export interface RegionRecord {
  state: RegionState;
  /** The ClientToken of this region's CopyImage, reused on resume so no second copy is made. */
  clientToken?: string;
  imageId?: string;
  error?: string;
  shared?: string[];
  /** An encrypted copy, and the KMS key it was made with ('' for the default service key). */
  encrypted?: boolean;
  kmsKeyId?: string;
  /** Status polls the last wait on this copy took. */
  polls?: number;
}

/**
 * What a build did and where its distribution stands: written after every step so that an interrupted
 * build can be resumed. Holds no credentials.
 */
export interface BuildRecord {
  buildId: string;
  configFile: string;
  configHash: string;
  imageName: string;
  region: string;
  startedAt: string;
  finishedAt?: string;
  status: 'building' | 'built' | 'distributing' | 'done' | 'failed' | 'interrupted';
  cached: boolean;
  imageId?: string;
  regions: Record<string, RegionRecord>;
  phases: Array<{ name: string; seconds: number }>;
  /** Where the post-build distribution stands (source image, encryption, shares, retention). */
  distribution?: DistributionState;
}

export function buildDir(configDir: string, buildId: string): string {
  return join(configDir, '.sindri', 'builds', buildId);
}

const pending = new Map<string, Promise<void>>();

/**
 * Writes the record atomically. Saves of one directory are queued, so parallel steps (one per region)
 * never interleave and the file always ends with the latest state.
 */
export function saveRecord(dir: string, record: BuildRecord): Promise<void> {
  const snapshot = `${JSON.stringify(record, null, 2)}\n`;
  const write = async () => {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const file = join(dir, 'record.json');
    const tmp = `${file}.tmp`;
    await writeFile(tmp, snapshot, { mode: 0o600 });
    await rename(tmp, file);
  };
  const next = (pending.get(dir) ?? Promise.resolve()).then(write, write);
  pending.set(dir, next);
  return next;
}

export async function loadRecord(dir: string): Promise<BuildRecord> {
  return JSON.parse(await readFile(join(dir, 'record.json'), 'utf8')) as BuildRecord;
}
