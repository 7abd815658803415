/**
 * `sindri packer test`: the build's test stage again, on an image that exists (one sindri built, or
 * any of the account's own): an instance of it runs sindri.yaml's checks, the image is tagged with
 * the verdict. Each run is a new record, so its test instance is named and swept like a build's.
 */
import { dirname } from 'node:path';
import type { WebhookConfig } from '../config/types.ts';
import { openWorkspace } from '../config/workspace.ts';
import { SindriError, UsageError } from '../errors.ts';
import { findSelfImage } from '../images/images.ts';
import { deliver, deliveryWarning } from '../notify/deliver.ts';
import { failedChecks } from '../notify/message.ts';
import {
  newContext,
  planFrom,
  type TestingContext,
  testSettingsFrom,
  testsToRun,
  type WorkspaceRunOptions,
} from './context.ts';
import { closeRecord } from './outcome.ts';
import { cleanupError } from './packer-failure.ts';
import { newBuildId, newRecord } from './record.ts';
import type { TestSummary } from './record-summary.ts';
import { runSteps, type Step } from './run.ts';
import { connect } from './steps/connect.ts';
import { TEST_STAGE } from './test-stage.ts';

const findTestedImage: Step<TestingContext> = {
  name: 'find-image',
  async run(ctx) {
    const { record } = ctx;
    const image = await findSelfImage(
      await ctx.session.clients(record.region),
      record.region,
      record.imageId as string,
    );
    if (!image)
      throw new SindriError(`image ${record.imageId} was not found in ${record.region}.`, {
        code: 'ImageNotFound',
        actions: ['pass --region with the region the image is in'],
      });
    if (!testsToRun(ctx))
      throw new UsageError(
        `${ctx.record.configFile} has no checks to run (tests.enabled is false, or tests.checks is empty and no installed extension has a check).`,
        'add checks under tests.checks in sindri.yaml',
      );
    record.imageName = image.imageName ?? record.imageName;
    record.status = 'built';
  },
};

export const TEST_IMAGE: readonly Step<TestingContext>[] = [connect, findTestedImage, ...TEST_STAGE];

export interface RunImageTestOptions extends WorkspaceRunOptions {
  imageId: string;
  sindriVersion: string;
  junitFile?: string | undefined;
  sbomFile?: string | undefined;
  pollMs?: number;
  /** A warning for the person (a webhook not told); by default a progress line. */
  warn?: (message: string) => void;
}

export interface ImageTestResult {
  buildId: string;
  imageId: string;
  region: string;
  name: string;
  test: TestSummary;
  durationSeconds: number;
  /** The record's file. */
  record: string;
}

/** The webhooks of sindri.yaml are told of a failed test run (test-failed); one not told is a warning. */
async function tellTestFailed(
  ctx: TestingContext,
  webhooks: readonly WebhookConfig[],
  result: ImageTestResult,
  opts: RunImageTestOptions,
) {
  if (webhooks.length === 0) return;
  const checks = failedChecks(result.test.checks);
  const reports = await deliver(
    webhooks,
    {
      event: 'test-failed',
      at: new Date(ctx.clock.now()).toISOString(),
      title: `sindri: ${result.name} failed its tests`,
      lines: [
        `image ${result.imageId} in ${result.region} (sindri packer test, run ${result.buildId})`,
        ...checks.lines,
      ],
      failure: true,
      data: {
        sindri: opts.sindriVersion,
        test: { runId: result.buildId, imageId: result.imageId, region: result.region, name: result.name },
        checks: checks.checks,
      },
    },
    { env: opts.env ?? process.env },
  );
  for (const r of reports)
    if (r.delivered) ctx.progress.detail(`told webhook ${r.webhook} of ${r.event}`);
    else ctx.warn(deliveryWarning(r));
}

export async function runImageTest(opts: RunImageTestOptions): Promise<ImageTestResult> {
  const started = Date.now();
  const ws = await openWorkspace(opts);
  if (!ws.loaded)
    throw new UsageError(
      'sindri packer test needs the configuration whose checks it runs.',
      'run it next to sindri.yaml or pass --config',
    );
  const { config, file } = ws.loaded;
  const ctx: TestingContext = {
    ...newContext({
      session: ws,
      plan: planFrom(config),
      record: newRecord({
        buildId: newBuildId(),
        configFile: file,
        configHash: '',
        imageName: config.providers.packer.image_name,
        region: ws.region,
        imageId: opts.imageId,
        status: 'preflight',
      }),
      configDir: dirname(file),
      progress: opts.progress,
      signal: opts.signal,
      ...(opts.warn ? { warn: opts.warn } : {}),
    }),
    testing: {
      ...testSettingsFrom(config, {
        sindriVersion: opts.sindriVersion,
        junitFile: opts.junitFile,
        sbomFile: opts.sbomFile,
      }),
      ...(opts.pollMs !== undefined ? { pollMs: opts.pollMs } : {}),
    },
    work: { leftovers: [] },
  };
  const outcome = async (): Promise<ImageTestResult> => {
    const summary = await closeRecord(ctx);
    return {
      buildId: summary.buildId,
      imageId: summary.imageId,
      region: summary.region,
      name: summary.name,
      test: summary.test ?? { passed: false, checks: [] },
      durationSeconds: Math.round((Date.now() - started) / 100) / 10,
      record: summary.record,
    };
  };
  try {
    await runSteps(ctx, TEST_IMAGE);
  } catch (err) {
    if (!(err instanceof SindriError && err.code === 'TestsFailed')) throw err;
    const result = await outcome();
    await tellTestFailed(ctx, config.notifications?.webhooks ?? [], result, opts);
    throw err.withResult(result);
  }
  ctx.record.status = 'done';
  const result = await outcome();
  const left = cleanupError([], [], ctx.work.leftovers, { done: 'the checks ran', made: 'to run them' });
  if (left) throw left.withResult(result);
  return result;
}
