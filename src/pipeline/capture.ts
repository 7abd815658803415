/**
 * `sindri packer capture`: a custom image from an instance (a golden image made by hand), tagged like
 * a built image and distributed like one.
 */
import { dirname, resolve } from 'node:path';
import { openWorkspace } from '../config/workspace.ts';
import {
  type CaptureContext,
  type CaptureOptions,
  newContext,
  planFrom,
  type WorkspaceRunOptions,
} from './context.ts';
import { DISTRIBUTION } from './distribution.ts';
import { closeRecord, distributionFailure } from './outcome.ts';
import { newBuildId, newRecord } from './record.ts';
import type { RecordSummary } from './record-summary.ts';
import { runSteps, type Step } from './run.ts';
import { checkName } from './steps/check-name.ts';
import { connect } from './steps/connect.ts';
import { captureTags, createImage } from './steps/create-image.ts';
import { findInstance } from './steps/find-instance.ts';
import { stageName } from './steps/stage-name.ts';
import { stopInstance } from './steps/stop-instance.ts';

export const CAPTURE: readonly Step<CaptureContext>[] = [
  connect,
  findInstance,
  checkName,
  stopInstance,
  stageName,
  createImage,
  ...DISTRIBUTION,
];

export interface RunCaptureOptions
  extends Omit<CaptureOptions, 'timeoutMs' | 'pollInitialMs'>,
    WorkspaceRunOptions {
  timeoutMs?: number;
  pollInitialMs?: number;
}

export interface CaptureResult extends RecordSummary {
  instanceId: string;
  stopped: boolean;
  tags: Record<string, string>;
}

export async function runCapture(opts: RunCaptureOptions): Promise<CaptureResult> {
  const ws = await openWorkspace(opts);
  const options: CaptureOptions = {
    instanceId: opts.instanceId,
    name: opts.name,
    stop: opts.stop,
    force: opts.force,
    sindriVersion: opts.sindriVersion,
    timeoutMs: opts.timeoutMs ?? 2 * 60 * 60 * 1000,
    pollInitialMs: opts.pollInitialMs ?? 2000,
  };
  const record = newRecord({
    buildId: newBuildId(),
    configFile: ws.loaded?.file ?? '',
    configHash: '',
    imageName: opts.name ?? '',
    region: ws.region,
    status: 'preflight',
    capturedFrom: opts.instanceId,
  });
  const ctx: CaptureContext = {
    ...newContext({
      session: ws,
      plan: planFrom(ws.loaded?.config),
      record,
      configDir: ws.loaded ? dirname(ws.loaded.file) : resolve(opts.cwd ?? process.cwd()),
      progress: opts.progress,
      signal: opts.signal,
      tuning: opts.tuning,
    }),
    options,
    userTags: ws.userTags,
    work: { sameName: [], stopped: false },
  };
  await runSteps(ctx, CAPTURE);
  const summary = await closeRecord(ctx);
  const result: CaptureResult = {
    ...summary,
    instanceId: opts.instanceId,
    stopped: ctx.work.stopped,
    tags: captureTags(ctx),
  };
  const failure = distributionFailure(summary, result);
  if (failure) throw failure;
  return result;
}
