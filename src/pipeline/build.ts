/**
 * `sindri packer build`: preflight (configuration, credentials, cache, name) → packer → distribution,
 * as a list of steps over the build record.
 */
import { dirname } from 'node:path';
import { openSession } from '../cloud/session.ts';
import type { LoadedConfig } from '../config/load.ts';
import { SindriError } from '../errors.ts';
import type { PackerBinary } from '../packer/binary.ts';
import {
  type BuildContext,
  type BuildOptions,
  newContext,
  planFrom,
  type Tuning,
  testSettingsFrom,
} from './context.ts';
import { DISTRIBUTION } from './distribution.ts';
import { buildFailure, closeRecord, distributionFailure } from './outcome.ts';
import { cleanupError } from './packer-failure.ts';
import type { ProgressSink } from './progress.ts';
import { newBuildId, newRecord } from './record.ts';
import type { RecordSummary } from './record-summary.ts';
import { runSteps, type Step } from './run.ts';
import { begin } from './steps/begin.ts';
import { buildNetwork, removeBuildNetwork } from './steps/build-network.ts';
import { lookUpCache } from './steps/cache.ts';
import { checkName } from './steps/check-name.ts';
import { checkRegions } from './steps/check-regions.ts';
import { connect } from './steps/connect.ts';
import { notify } from './steps/notify.ts';
import { packerBuild } from './steps/packer-build.ts';
import { packerInit } from './steps/packer-init.ts';
import { placement } from './steps/placement.ts';
import { probeReads } from './steps/probe-reads.ts';
import { render } from './steps/render.ts';
import { resolveBase } from './steps/resolve-base.ts';
import { resolveNetwork } from './steps/resolve-network.ts';
import { stageName } from './steps/stage-name.ts';
import { tagAncestry } from './steps/tag-ancestry.ts';
import { writeTemplate } from './steps/write-template.ts';
import { TEST_STAGE } from './test-stage.ts';

export const BUILD: readonly Step<BuildContext>[] = [
  notify,
  connect,
  checkRegions,
  resolveNetwork,
  render,
  resolveBase,
  lookUpCache,
  checkName,
  probeReads,
  placement,
  begin,
  stageName,
  writeTemplate,
  buildNetwork,
  packerInit,
  packerBuild,
  removeBuildNetwork,
  tagAncestry,
  ...TEST_STAGE,
  ...DISTRIBUTION,
];

export interface RunBuildOptions {
  loaded: LoadedConfig;
  packer: PackerBinary;
  options: BuildOptions;
  progress: ProgressSink;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  warn?: (message: string) => void;
  tuning?: Partial<Tuning>;
  /** `--junit FILE`, `--sbom FILE`. */
  testFiles?: { junitFile?: string | undefined; sbomFile?: string | undefined };
  /** The test instance's waits (tests shorten them). */
  testPollMs?: number;
}

export interface BuildResult extends RecordSummary {
  configHash: string;
  durationSeconds: number;
  /** The directory of the rendered template and the record. */
  workDir: string;
}

export function buildContext(opts: RunBuildOptions): BuildContext {
  const { config, file } = opts.loaded;
  const p = config.providers.packer;
  return {
    ...newContext({
      session: openSession({
        env: opts.env,
        settings: p.alibaba,
        ...(opts.options.debug ? { debug: opts.options.log } : {}),
      }),
      plan: planFrom(config),
      record: newRecord({
        buildId: newBuildId(),
        configFile: file,
        configHash: '',
        imageName: p.image_name,
        region: p.alibaba.region,
        status: 'preflight',
      }),
      configDir: dirname(file),
      progress: opts.progress,
      signal: opts.signal,
      tuning: opts.tuning,
      ...(opts.warn ? { warn: opts.warn } : {}),
    }),
    loaded: opts.loaded,
    config,
    packer: opts.packer,
    options: opts.options,
    env: opts.env,
    testing: {
      ...testSettingsFrom(config, { sindriVersion: opts.options.sindriVersion, ...opts.testFiles }),
      ...(opts.testPollMs !== undefined ? { pollMs: opts.testPollMs } : {}),
    },
    work: { sameName: [], refusals: [], cleanupErrors: [], leftovers: [] },
  };
}

export async function runBuild(opts: RunBuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const p = opts.loaded.config.providers.packer;
  opts.progress.phase(
    'preflight',
    `rendering ${p.image_name} for ${p.alibaba.region} (packer ${opts.packer.version})`,
  );
  const ctx = buildContext(opts);
  const outcome = async (): Promise<{ summary: RecordSummary; result: BuildResult }> => {
    const summary = await closeRecord(ctx);
    const result: BuildResult = {
      ...summary,
      configHash: ctx.record.configHash,
      durationSeconds: Math.round((Date.now() - started) / 100) / 10,
      workDir: dirname(summary.record),
    };
    return { summary, result };
  };
  try {
    await runSteps(ctx, BUILD);
  } catch (err) {
    // Once the image exists, a failure says which it is (and what else was done), as success does.
    if (err instanceof SindriError && err.result === undefined && ctx.record.imageId)
      throw err.withResult((await outcome()).result);
    throw err;
  }
  const { summary, result } = await outcome();
  const failure = buildFailure(
    distributionFailure(summary, result),
    cleanupError(ctx.work.refusals, ctx.work.cleanupErrors, ctx.work.leftovers),
  );
  if (failure) throw failure.withResult(result);
  return result;
}
