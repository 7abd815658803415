/**
 * ExportImage and the task actions that follow its task. Sources: the ExportImage API reference
 * (2025-04-29; parameters, the regions that honour ImageFormat, error codes), SDK
 * `DescribeTasksRequest`, ECS ref `Others/DescribeTasks`, `Others/DescribeTaskAttribute` (the
 * task's RelatedItemSet names OSSBucket, OSSObject and ImageFormat).
 */
import {
  exportStem,
  IMAGE_FORMATS,
  type ImageFormat,
  OSS_PREFIX_RULE,
  producedFormat,
} from '../../../src/transfer/export-format.ts';
import { type CallContext, type Handler, requireRegion } from '../context.ts';
import { ApiError, invalidParameter } from '../errors.ts';
import { paginate } from '../params.ts';
import { type Image, isoSeconds, type Snapshot, type Task, type World } from '../state.ts';
import { findOwnImage } from './image-rules.ts';
import { progress } from './shared.ts';

/** The name of one exported disk: `.raw.tar.gz` for RAW (TF), `.<format>` otherwise (assumed). */
export function exportedObjectName(stem: string, disk: string, format: string): string {
  return `${stem}_${disk}.${format === 'raw' ? 'raw.tar.gz' : format}`;
}

export interface ExportedObject {
  key: string;
  /** The disk's size in GiB. */
  sizeGiB: number;
}

function snapshotsOf(w: World, image: Image): Snapshot[] {
  return image.snapshotIds
    .map((id) => w.get('snapshot', image.regionId, id) as Snapshot | undefined)
    .filter((s): s is Snapshot => s !== undefined);
}

/** The objects an export task writes: the system disk, then each data disk as `data_xvdb`, `data_xvdc`… */
export function exportedObjects(w: World, task: Task): ExportedObject[] {
  const image = w.get('image', task.regionId, task.resourceId) as Image | undefined;
  const stem = exportStem(task.resourceId, task.detail.OSSPrefix || undefined);
  const format = task.detail.ImageFormat ?? 'raw';
  const system = {
    key: task.detail.OSSObject ?? exportedObjectName(stem, 'system', format),
    sizeGiB: image?.size ?? 20,
  };
  if (!image) return [system];
  const data = snapshotsOf(w, image).filter((s) => s.sourceDiskType === 'data');
  return [
    system,
    ...data.map((s, i) => ({
      key: exportedObjectName(stem, `data_xvd${String.fromCharCode(98 + i)}`, format),
      sizeGiB: s.sourceDiskSize,
    })),
  ];
}

function checkExportable(w: World, image: Image): void {
  if (w.status(image) !== 'Available')
    throw new ApiError('IncorrectImageStatus', 'The specified Image is not available.', 400);
  const snapshots = snapshotsOf(w, image);
  if (image.encrypted || snapshots.some((s) => s.encrypted))
    throw new ApiError(
      'ImageNotSupported',
      'The specified Image contains encrypted snapshots, do not support export.',
      400,
    );
  const data = snapshots.filter((s) => s.sourceDiskType === 'data');
  if (data.length > 4 || data.some((s) => s.sourceDiskSize > 500))
    throw new ApiError(
      'InvalidImage.DiskAmountOrSize',
      'The image has more than 4 data disk snapshots, or one larger than 500 GiB.',
      400,
    );
}

export const ExportImage: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const w = ctx.world;
  const image = findOwnImage(ctx, region.regionId, ctx.p.req('ImageId'));
  const bucket = ctx.p.req('OSSBucket');
  const prefix = ctx.p.str('OSSPrefix');
  if (prefix !== undefined && !OSS_PREFIX_RULE.test(prefix))
    throw new ApiError(
      'InvalidOSSPrefix.Malformed',
      'The specified OSSPrefix format is wrongly formed.',
      400,
    );
  checkExportable(w, image);
  const requested = ctx.p.str('ImageFormat') ?? 'raw';
  if (!(IMAGE_FORMATS as readonly string[]).includes(requested))
    throw new ApiError('InvalidImageFormat.Malformed', 'The specified Image Format is wrongly formed.', 400);
  const running = w
    .list('task', region.regionId, ctx.accountId)
    .some((t) => t.action === 'ExportImage' && t.resourceId === image.id && w.status(t) === 'Processing');
  if (running)
    throw new ApiError(
      'ImageIsExporting',
      'The specified Image is being exported. You can use the DescribeTasks API to check the status of existing tasks.',
      403,
    );
  const format = producedFormat(region.regionId, requested as ImageFormat);
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
      OSSObject: exportedObjectName(exportStem(image.id, prefix), 'system', format),
      ImageFormat: format,
      ...(prefix ? { OSSPrefix: prefix } : {}),
    },
  });
  w.transition(task, [[task.finishedAt - now, 'Finished']]);
  return { TaskId: task.id, RegionId: region.regionId };
};

function findTask(ctx: CallContext, regionId: string, id: string): Task {
  const t = ctx.world.get('task', regionId, id);
  if (!t || t.accountId !== ctx.accountId)
    throw new ApiError('InvalidTaskId.NotFound', `The specified "TaskId" is not found.`, 400);
  return t;
}

/** `yyyy-MM-ddTHH:mm:ssZ` (seconds optional) → epoch ms. */
function timeParam(ctx: CallContext, name: string): number | undefined {
  const v = ctx.p.str(name);
  if (v === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(ms))
    throw invalidParameter(name, `The specified ${name} "${v}" is not yyyy-MM-ddTHH:mm:ssZ.`);
  return ms;
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
  const start = timeParam(ctx, 'StartTime');
  const end = timeParam(ctx, 'EndTime');
  const all = w
    .list('task', region.regionId, ctx.accountId)
    .filter((t) => !ids || ids.includes(t.id))
    .filter((t) => p.str('TaskAction') === undefined || t.action === p.str('TaskAction'))
    .filter((t) => p.str('TaskStatus') === undefined || w.status(t) === p.str('TaskStatus'))
    .filter((t) => resourceIds.length === 0 || resourceIds.includes(t.resourceId))
    .filter(
      (t) => (start === undefined || t.createdAt >= start) && (end === undefined || t.createdAt <= end),
    );
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

/** The task's RelatedItemSet: OSSBucket, OSSObject and ImageFormat (ECS ref sample). */
const RELATED_ITEMS = ['OSSBucket', 'OSSObject', 'ImageFormat'];

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
          RelatedItemSet: {
            RelatedItem: RELATED_ITEMS.filter((n) => t.detail[n] !== undefined).map((Name) => ({
              Name,
              Value: t.detail[Name] as string,
            })),
          },
        },
      ],
    },
  };
};
