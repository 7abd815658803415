/**
 * The configured webhooks are told how the build ended: build-succeeded, build-failed, or
 * test-failed when the test stage failed it. The step settles once the pipeline has ended, however it
 * ended (an interrupt excepted: whoever interrupted knows); a delivery that fails is a warning.
 */
import { SindriError } from '../../errors.ts';
import { deliver, deliveryWarning } from '../../notify/deliver.ts';
import { failedChecks, imagesLine, type Notification } from '../../notify/message.ts';
import type { BuildContext } from '../context.ts';
import { distributionErrors, finishedImages } from '../record.ts';
import type { Step } from '../run.ts';

function firstLine(text: string): string {
  return text.split('\n')[0]?.slice(0, 300) ?? '';
}

export function buildNotification(ctx: BuildContext, failure: unknown, now: Date): Notification {
  const { record } = ctx;
  const images = finishedImages(record);
  const errors = distributionErrors(record);
  const failed = failure !== undefined || record.status === 'failed';
  const code = failure instanceof SindriError ? failure.code : failure ? 'Error' : 'DistributionFailed';
  const testFailed = failed && code === 'TestsFailed';
  const message = failure instanceof Error ? failure.message : failure ? String(failure) : errors.join('; ');
  const checks = failedChecks(record.test?.results ?? []);
  const event = !failed ? 'build-succeeded' : testFailed ? 'test-failed' : 'build-failed';
  const name = record.imageName;
  const title = !failed
    ? `sindri: ${name} ${record.cached ? 'reused from the cache' : 'built'}`
    : testFailed
      ? `sindri: ${name} failed its tests`
      : `sindri: the build of ${name} failed`;
  const lines = [
    `build ${record.buildId} (${ctx.config.name})`,
    ...(Object.keys(images).length > 0 ? [`images: ${imagesLine(images)}`] : []),
    ...(record.family ? [`family: ${record.family.name}`] : []),
    ...(record.base ? [`base: ${record.base.imageId}`] : []),
    ...(testFailed ? checks.lines : failed ? [`${code}: ${firstLine(message)}`] : []),
  ];
  return {
    event,
    at: now.toISOString(),
    title,
    lines,
    failure: failed,
    data: {
      sindri: ctx.options.sindriVersion,
      build: {
        buildId: record.buildId,
        name,
        region: record.region,
        status: record.status,
        cached: record.cached,
        images,
        ...(record.family ? { family: record.family.name } : {}),
        ...(record.base ? { base: record.base } : {}),
        ...(record.test?.passed !== undefined ? { testPassed: record.test.passed } : {}),
      },
      ...(testFailed ? { checks: checks.checks } : {}),
      ...(failed ? { error: { code, message: firstLine(message) } } : {}),
    },
  };
}

export const notify: Step<BuildContext> = {
  name: 'notify',
  skip: (ctx) => (ctx.config.notifications?.webhooks ?? []).length === 0 && 'no webhooks configured',
  async run() {},
  async settle(ctx, failure) {
    if (ctx.signal.aborted || (failure instanceof SindriError && failure.code === 'Interrupted')) return;
    const n = buildNotification(ctx, failure, new Date(ctx.clock.now()));
    const reports = await deliver(ctx.config.notifications?.webhooks ?? [], n, { env: ctx.env });
    for (const r of reports)
      if (r.delivered) ctx.progress.detail(`told webhook ${r.webhook} of ${r.event}`);
      else ctx.warn(deliveryWarning(r));
  },
};
