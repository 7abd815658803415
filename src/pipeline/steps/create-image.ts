import { waitFor } from '../../cloud/waiter.ts';
import { findSelfImage } from '../../images/images.ts';
import {
  BUILD_ID_TAG,
  CAPTURED_FROM_TAG,
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  VERSION_TAG,
} from '../../images/tags.ts';
import { type CaptureContext, saveState } from '../context.ts';
import type { Step } from '../run.ts';

/** The tags of a captured image: the user's, then sindri's own, which win. */
export function captureTags(
  ctx: Pick<CaptureContext, 'userTags' | 'record' | 'options'>,
): Record<string, string> {
  return {
    ...ctx.userTags,
    [MANAGED_BY_KEY]: MANAGED_BY_VALUE,
    [BUILD_ID_TAG]: ctx.record.buildId,
    [VERSION_TAG]: ctx.options.sindriVersion,
    [CAPTURED_FROM_TAG]: ctx.options.instanceId,
  };
}

export const createImage: Step<CaptureContext> = {
  name: 'create-image',
  async run(ctx) {
    const { record, options } = ctx;
    const clients = await ctx.session.clients(record.region);
    record.status = 'building';
    await saveState(ctx);
    const created = await clients.call(
      'ecs',
      'CreateImage',
      {
        regionId: record.region,
        instanceId: options.instanceId,
        imageName: record.imageName,
        description: `Captured by sindri from ${options.instanceId}`,
        tag: Object.entries(captureTags(ctx)).map(([key, value]) => ({ key, value })) as never,
      },
      { signal: ctx.signal },
    );
    const imageId = created.imageId as string;
    record.imageId = imageId;
    await saveState(ctx);
    ctx.progress.phase('image', `creating ${imageId} (${record.imageName}) from ${options.instanceId}`);
    await waitFor({
      poll: () =>
        findSelfImage(clients, record.region, imageId) as Promise<
          { status?: string; progress?: string } | undefined
        >,
      isDone: (i) => i?.status === 'Available',
      failed: (i) => (i?.status === 'CreateFailed' ? 'the image ended CreateFailed' : undefined),
      deadlineMs: options.timeoutMs,
      initialDelayMs: options.pollInitialMs,
      onProgress: (p) =>
        ctx.progress.percent?.(
          'image',
          p.value?.status === 'Available' ? 100 : Number.parseFloat(String(p.value?.progress ?? '0')) || 0,
          p.value?.status ?? 'missing',
        ),
      what: `image ${imageId} to become Available`,
      describe: (i) => `${i?.status ?? 'missing'} ${i?.progress ?? ''}`,
      clock: ctx.clock,
      signal: ctx.signal,
    });
    record.status = 'built';
  },
};
