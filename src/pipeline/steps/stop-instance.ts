/** `--stop`: the instance is stopped first, so the image is clean rather than crash-consistent. */
import { waitFor } from '../../cloud/waiter.ts';
import { describeInstance } from '../../images/instances.ts';
import type { CaptureContext } from '../context.ts';
import type { Step } from '../run.ts';

export const stopInstance: Step<CaptureContext> = {
  name: 'stop-instance',
  skip: (ctx) => {
    if (ctx.options.stop && ctx.work.instanceStatus !== 'Stopped') return false;
    if (ctx.work.instanceStatus === 'Running')
      ctx.progress.detail(
        `note: ${ctx.options.instanceId} is running; the image is crash-consistent (use --stop for a clean one)`,
      );
    return 'not asked to stop the instance';
  },
  async run(ctx) {
    const { record, options } = ctx;
    const clients = await ctx.session.clients(record.region);
    ctx.progress.phase('stop', `stopping ${options.instanceId}`);
    await clients.call('ecs', 'StopInstance', { instanceId: options.instanceId }, { signal: ctx.signal });
    await waitFor({
      poll: () => describeInstance(clients, record.region, options.instanceId),
      isDone: (i) => i?.status === 'Stopped',
      failed: (i) => (i ? undefined : 'the instance disappeared'),
      deadlineMs: options.timeoutMs,
      initialDelayMs: options.pollInitialMs,
      what: `instance ${options.instanceId} to stop`,
      describe: (i) => i?.status ?? 'missing',
      clock: ctx.clock,
      signal: ctx.signal,
    });
    ctx.work.stopped = true;
    ctx.progress.detail(`${options.instanceId} is stopped`);
  },
};
