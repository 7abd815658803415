/** The instance to capture must exist; without --name the image is named after it. */
import { SindriError } from '../../errors.ts';
import { describeInstance } from '../../images/instances.ts';
import type { CaptureContext } from '../context.ts';
import type { Step } from '../run.ts';

export function defaultCaptureName(instanceName: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  const base = (instanceName || 'instance').replace(/[^A-Za-z0-9._:-]/g, '-').replace(/^[^A-Za-z]+/, '');
  return `${base || 'capture'}-capture-${stamp}`.slice(0, 128);
}

export const findInstance: Step<CaptureContext> = {
  name: 'find-instance',
  async run(ctx) {
    const { record, options } = ctx;
    const clients = await ctx.session.clients(record.region);
    const instance = await describeInstance(clients, record.region, options.instanceId);
    if (!instance)
      throw new SindriError(`instance ${options.instanceId} was not found in ${record.region}.`, {
        code: 'InvalidInstanceId.NotFound',
        actions: ['check the ID and --region'],
      });
    ctx.work.instanceStatus = instance.status;
    record.imageName = options.name ?? defaultCaptureName(instance.instanceName ?? '');
  },
};
