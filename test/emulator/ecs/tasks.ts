/** ExportImage and the task actions that follow its task. */
import { type CallContext, type Handler, requireRegion } from '../context.ts';
import { ApiError, invalidParameter, notFound } from '../errors.ts';
import { paginate } from '../params.ts';
import { isoSeconds, type Task } from '../state.ts';
import { findOwnImage } from './image-rules.ts';
import { progress } from './shared.ts';

export const ExportImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  const bucket = ctx.p.req('OSSBucket');
  if (w.status(image) !== 'Available')
    throw new ApiError('IncorrectImageStatus', 'Only Available images can be exported.', 403);
  const format = ctx.p.str('ImageFormat') ?? 'raw';
  if (!['raw', 'vhd', 'qcow2', 'vmdk', 'vdi'].includes(format)) throw invalidParameter('ImageFormat');
  const now = w.now();
  const task = w.add<Task>({
    kind: 'task',
    id: w.newId('t', region),
    regionId: region.regionId,
    accountId: ctx.accountId,
    createdAt: now,
    tags: new Map(),
    timeline: [{ at: now, status: 'Processing' }],
    action: 'ExportImage',
    resourceId: image.id,
    finishedAt: now + w.delayMs('exportImage'),
    supportCancel: true,
    detail: {
      OSSBucket: bucket,
      OSSObject: `${ctx.p.str('OSSPrefix') ?? ''}${image.id}.${format}`,
      ImageFormat: format,
    },
  });
  w.transition(task, [[task.finishedAt - now, 'Finished']]);
  return { TaskId: task.id, RegionId: region.regionId };
};

function findTask(ctx: CallContext, regionId: string, id: string): Task {
  const t = ctx.world.get('task', regionId, id);
  if (!t || t.accountId !== ctx.accountId)
    throw notFound('TaskId', `The specified TaskId "${id}" does not exist.`);
  return t;
}

export const DescribeTasks: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const p = ctx.p;
  const ids = p
    .str('TaskIds')
    ?.split(',')
    .map((s) => s.trim());
  const resourceIds = p.repeated('ResourceIds');
  const all = w
    .list('task', region.regionId, ctx.accountId)
    .filter((t) => !ids || ids.includes(t.id))
    .filter((t) => p.str('TaskAction') === undefined || t.action === p.str('TaskAction'))
    .filter((t) => p.str('TaskStatus') === undefined || w.status(t) === p.str('TaskStatus'))
    .filter((t) => resourceIds.length === 0 || resourceIds.includes(t.resourceId));
  const page = paginate(all, p);
  return {
    RegionId: region.regionId,
    ...page.fields,
    TaskSet: {
      Task: page.items.map((t) => ({
        TaskId: t.id,
        TaskAction: t.action,
        TaskStatus: w.status(t),
        ResourceId: t.resourceId,
        SupportCancel: String(t.supportCancel && w.status(t) === 'Processing'),
        CreationTime: isoSeconds(t.createdAt),
        FinishedTime: w.status(t) === 'Finished' ? isoSeconds(t.finishedAt) : '',
      })),
    },
  };
};

export const DescribeTaskAttribute: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const t = findTask(ctx, region.regionId, ctx.p.req('TaskId'));
  const done = w.status(t) === 'Finished';
  return {
    RegionId: region.regionId,
    TaskId: t.id,
    TaskAction: t.action,
    TaskStatus: w.status(t),
    TaskProcess: progress(t.createdAt, t.finishedAt, w.now()),
    SupportCancel: String(t.supportCancel && !done),
    TotalCount: 1,
    SuccessCount: done ? 1 : 0,
    FailedCount: 0,
    CreationTime: isoSeconds(t.createdAt),
    FinishedTime: done ? isoSeconds(t.finishedAt) : '',
    OperationProgressSet: {
      OperationProgress: [
        {
          OperationStatus: done ? 'Success' : 'Processing',
          ErrorCode: '',
          ErrorMsg: '',
          RelatedItemSet: { RelatedItem: Object.entries(t.detail).map(([Name, Value]) => ({ Name, Value })) },
        },
      ],
    },
  };
};
