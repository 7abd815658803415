/** In-process distribution against the emulator: real SDK clients, a seeded built image, a record on disk. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CloudClients, createClients, resolveCredentials } from '../../src/cloud/index.ts';
import { type DistributeOptions, distribute } from '../../src/pipeline/distribute.ts';
import { type BuildRecord, loadRecord, saveRecord } from '../../src/pipeline/record.ts';
import type { Emulator } from '../emulator/index.ts';
import type { Image } from '../emulator/state.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { seedImage, sindriTags } from '../lifecycle/helpers.ts';

export const HOME_REGION = 'cn-hangzhou';
export const FIVE_REGIONS = ['cn-shanghai', 'cn-beijing', 'cn-shenzhen', 'ap-southeast-1', 'eu-central-1'];

export interface Harness {
  clients: CloudClients;
  dir: string;
  env: NodeJS.ProcessEnv;
  dispose(): Promise<void>;
}

export async function harness(emu: Emulator): Promise<Harness> {
  const env = emulatorEnv(emu.url);
  const credentials = await resolveCredentials({ env, home: env.HOME as string, region: HOME_REGION });
  const clients = await createClients({ credentials, region: HOME_REGION, env });
  // Loads the SDK once, so timings measure the distribution and not the import.
  await clients.call('ecs', 'DescribeRegions', {});
  const dir = await mkdtemp(join(tmpdir(), 'sindri-dist-'));
  return {
    clients,
    dir,
    env,
    async dispose() {
      await rm(dir, { recursive: true, force: true });
      await rm(env.HOME as string, { recursive: true, force: true });
    },
  };
}

/** A finished build: its image in the build region and the record packer's step leaves behind. */
export function builtImage(
  emu: Emulator,
  buildId: string,
  name = 'web-base',
  createdAt?: number,
): { image: Image; record: BuildRecord } {
  const { image } = seedImage(emu, {
    region: HOME_REGION,
    name,
    tags: sindriTags(buildId),
    ...(createdAt !== undefined ? { createdAt } : {}),
  });
  return {
    image,
    record: {
      buildId,
      configFile: '/dev/null',
      configHash: sindriTags(buildId)['sindri:config-hash'] as string,
      imageName: name,
      region: HOME_REGION,
      startedAt: new Date().toISOString(),
      status: 'built',
      cached: false,
      imageId: image.id,
      regions: {},
      phases: [],
    },
  };
}

export type RunOptions = Partial<Omit<DistributeOptions, 'record' | 'clients' | 'save'>>;

/** Runs distribute() with the record saved in `dir` after every step. */
export function run(h: Harness, record: BuildRecord, opts: RunOptions = {}) {
  return distribute({
    clients: h.clients,
    record,
    copyRegions: [],
    shareAccounts: [],
    tags: { Team: 'platform' },
    encrypted: false,
    save: (r) => saveRecord(h.dir, r),
    pollMinDelayMs: 50,
    ...opts,
  });
}

export const reload = (h: Harness) => loadRecord(h.dir);

/** Images of a build in a region (every status), from the emulator's state. */
export function copiesIn(emu: Emulator, region: string, buildId: string): Image[] {
  return emu.admin.world
    .list('image', region)
    .filter((i) => i.tags.get('sindri:build-id') === buildId && i.copiedFrom !== '');
}
