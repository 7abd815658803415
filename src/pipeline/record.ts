import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export type RegionState = 'pending' | 'copying' | 'available' | 'failed';

export interface RegionRecord {
  state: RegionState;
  /** The ClientToken of this region's CopyImage, reused on resume so no second copy is made. */
  clientToken?: string;
  imageId?: string;
  error?: string;
  shared?: string[];
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
}

export function buildDir(configDir: string, buildId: string): string {
  return join(configDir, '.sindri', 'builds', buildId);
}

export async function saveRecord(dir: string, record: BuildRecord): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, 'record.json');
  const tmp = `${file}.tmp`;
  await writeFile(tmp, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}

export async function loadRecord(dir: string): Promise<BuildRecord> {
  return JSON.parse(await readFile(join(dir, 'record.json'), 'utf8')) as BuildRecord;
}
