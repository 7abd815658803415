/** In-process distribution against the emulator: real SDK clients, a seeded built image, a record on disk. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, type CloudClients, createClients, resolveCredentials } from '../../src/cloud/index.ts';
import type { CloudSession } from '../../src/cloud/session.ts';
import type { RetentionPolicy } from '../../src/images/retention.ts';
import { newContext, recordDir } from '../../src/pipeline/context.ts';
import { DISTRIBUTION } from '../../src/pipeline/distribution.ts';
import { createProgress } from '../../src/pipeline/progress.ts';
import { type BuildRecord, loadRecord } from '../../src/pipeline/record.ts';
import { runSteps } from '../../src/pipeline/run.ts';
import type { Emulator } from '../emulator/index.ts';
import type { Image } from '../emulator/state.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { seedImage, sindriTags } from '../lifecycle/helpers.ts';

export const HOME_REGION = 'cn-hangzhou';
export const FIVE_REGIONS = ['cn-shanghai', 'cn-beijing', 'cn-shenzhen', 'ap-southeast-1', 'eu-central-1'];

export interface Harness {
  clients: CloudClients;
  /** Every region's clients (the emulator serves them all at one endpoint). */
  session: CloudSession;
  dir: string;
  /** The record directory of the last run. */
  lastRecordDir?: string;
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
    session: {
      region: HOME_REGION,
      regionSource: 'config',
      credentials: async () => credentials,
      clients: async () => clients,
      allRegions: async () => [HOME_REGION, ...FIVE_REGIONS],
    },
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

export interface RunOptions {
  copyRegions?: string[];
  shareAccounts?: string[];
  pruneShares?: boolean;
  tags?: Record<string, string>;
  encrypted?: boolean;
  kmsKeyId?: string;
  kmsKeyIds?: Record<string, string>;
  retention?: RetentionPolicy;
  force?: boolean;
  signal?: AbortSignal;
  concurrency?: number;
  copyDeadlineMs?: number;
  pollMinDelayMs?: number;
  pollMaxDelayMs?: number;
  clock?: Clock;
  now?: number;
  onProgress?: (line: string) => void;
}

/** Runs the distribution steps over the record, saved after every step (in the harness's directory). */
export async function run(h: Harness, record: BuildRecord, opts: RunOptions = {}): Promise<BuildRecord> {
  const timing = createProgress({ enabled: false });
  const say = opts.onProgress ?? (() => {});
  const progress = {
    ...timing,
    phase: (name: Parameters<typeof timing.phase>[0], detail?: string) => {
      timing.phase(name, detail);
      if (detail) say(detail);
    },
    detail: say,
  };
  const ctx = newContext({
    session: h.session,
    plan: {
      copyRegions: opts.copyRegions ?? [],
      shareAccounts: opts.shareAccounts ?? [],
      pruneShares: opts.pruneShares ?? false,
      tags: opts.tags ?? { Team: 'platform' },
      encrypted: opts.encrypted ?? false,
      kmsKeyId: opts.kmsKeyId,
      kmsKeyIds: opts.kmsKeyIds,
      retention: opts.retention,
      force: opts.force ?? false,
    },
    record,
    configDir: h.dir,
    progress,
    signal: opts.signal ?? new AbortController().signal,
    ...(opts.clock ? { clock: opts.clock } : {}),
    tuning: {
      pollMinDelayMs: opts.pollMinDelayMs ?? 50,
      ...(opts.pollMaxDelayMs !== undefined ? { pollMaxDelayMs: opts.pollMaxDelayMs } : {}),
      ...(opts.concurrency !== undefined ? { copyConcurrency: opts.concurrency } : {}),
      ...(opts.copyDeadlineMs !== undefined ? { copyDeadlineMs: opts.copyDeadlineMs } : {}),
      ...(opts.now !== undefined ? { now: opts.now } : {}),
    },
  });
  h.lastRecordDir = recordDir(ctx);
  try {
    await runSteps(ctx, DISTRIBUTION);
  } finally {
    h.lastRecordDir = recordDir(ctx);
  }
  return ctx.record;
}

export const reload = (h: Harness) => loadRecord(h.lastRecordDir ?? h.dir);

/** Images of a build in a region (every status), from the emulator's state. */
export function copiesIn(emu: Emulator, region: string, buildId: string): Image[] {
  return emu.admin.world
    .list('image', region)
    .filter((i) => i.tags.get('sindri:build-id') === buildId && i.copiedFrom !== '');
}
