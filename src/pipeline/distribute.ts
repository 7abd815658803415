/**
 * `sindri packer distribute`: the distribution a build runs after packer, for an image that exists:
 * found by ID, its build's record continued, then copies, shares and retention as sindri.yaml says.
 */
import { dirname } from 'node:path';
import { openWorkspace } from '../config/workspace.ts';
import { UsageError } from '../errors.ts';
import { newContext, planFrom, type WorkspaceRunOptions } from './context.ts';
import { DISTRIBUTION } from './distribution.ts';
import { closeRecord, distributionFailure } from './outcome.ts';
import { newRecord } from './record.ts';
import type { RecordSummary } from './record-summary.ts';
import { runSteps, type Step } from './run.ts';
import { connect } from './steps/connect.ts';
import { findImage } from './steps/find-image.ts';

export const DISTRIBUTE: readonly Step[] = [connect, findImage, ...DISTRIBUTION];

export interface RunDistributionOptions extends WorkspaceRunOptions {
  imageId: string;
  pruneShares: boolean;
  force: boolean;
}

export interface DistributionResult extends RecordSummary {
  /** True when a saved record was continued. */
  resumed: boolean;
  durationSeconds: number;
}

export async function runDistribution(opts: RunDistributionOptions): Promise<DistributionResult> {
  const started = Date.now();
  const ws = await openWorkspace(opts);
  if (!ws.loaded) {
    throw new UsageError(
      'sindri packer distribute needs the configuration that says where to copy and share.',
      'run it next to sindri.yaml or pass --config',
    );
  }
  const ctx = newContext({
    session: ws,
    plan: planFrom(ws.loaded.config, { pruneShares: opts.pruneShares, force: opts.force }),
    record: newRecord({
      buildId: `image-${opts.imageId}`,
      configFile: ws.loaded.file,
      configHash: '',
      imageName: ws.loaded.config.providers.packer.image_name,
      region: ws.region,
      imageId: opts.imageId,
      status: 'preflight',
    }),
    configDir: dirname(ws.loaded.file),
    progress: opts.progress,
    signal: opts.signal,
    tuning: opts.tuning,
  });
  const fresh = ctx.record;
  await runSteps(ctx, DISTRIBUTE);
  const summary = await closeRecord(ctx);
  const result: DistributionResult = {
    ...summary,
    resumed: ctx.record !== fresh,
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
  };
  const failure = distributionFailure(summary, result);
  if (failure) throw failure;
  return result;
}
