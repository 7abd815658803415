/**
 * Starting ExportImage exactly once. ExportImage takes no ClientToken (SDK `ExportImageRequest`), so
 * a request that may have reached ECS is never resent blindly: after a lost reply, a 5xx or an
 * unreadable answer sindri looks for the task the request may have started (DescribeTasks with
 * `TaskAction=ExportImage`, the image as `ResourceIds.1` and a `StartTime` just before the call) and
 * adopts it; only when none appears is the request sent again. If ECS answers `ImageIsExporting`
 * ("use the DescribeTasks API to check the status of existing tasks", ExportImage API reference),
 * the running task is adopted when it writes where this export would.
 */
import { abortReason, type Clock, realClock } from '../cloud/clock.ts';
import { type CloudClients, CloudError } from '../cloud/index.ts';
import { SindriError } from '../errors.ts';
import { byCodeUnits } from '../util/order.ts';
import { exportStem, type ImageFormat } from './export-format.ts';

export interface ExportRequest {
  region: string;
  imageId: string;
  bucket: string;
  prefix: string | undefined;
  /** Sent only where ECS honours it. */
  imageFormat: ImageFormat | undefined;
  /** The format the objects will be in (to match a task found later). */
  producedFormat: ImageFormat;
  roleName: string;
}

export interface StartedExport {
  taskId: string;
  /** Started by an earlier request whose answer was lost, or already running: followed, not started. */
  adopted: boolean;
}

export interface StartExportOptions {
  signal?: AbortSignal | undefined;
  clock?: Clock;
  say?: (line: string) => void;
  /** Waits before each lookup for a task after an unclear answer (default 0, 2 s, 5 s). */
  lookupDelaysMs?: readonly number[];
  /** Requests sent at most (default 3). */
  maxSends?: number;
}

/** How far before the call the lookup starts: the local clock and ECS's may differ a little. */
export const LOOKUP_MARGIN_MS = 5 * 60 * 1000;

/** Connection failures where the request cannot have reached ECS. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** What a failed send says about the request: refused, never sent, or unknown (it may have run). */
export function sendOutcome(err: CloudError): 'refused' | 'not-sent' | 'unknown' {
  const status = err.statusCode;
  if (status !== undefined && status >= 500) return 'unknown';
  if (status !== undefined) return /^Throttling/.test(err.code) ? 'not-sent' : 'refused';
  if (NOT_SENT.has(err.code)) return 'not-sent';
  return err.code === 'ENOTFOUND' || err.code === 'Aborted' ? 'refused' : 'unknown';
}

function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}Z`;
}

interface TaskSummary {
  taskId: string;
  status: string;
  bucket: string | undefined;
  object: string | undefined;
  format: string | undefined;
}

async function describeTask(clients: CloudClients, region: string, taskId: string): Promise<TaskSummary> {
  const body = await clients.call('ecs', 'DescribeTaskAttribute', { regionId: region, taskId });
  const items = body.operationProgressSet?.operationProgress?.[0]?.relatedItemSet?.relatedItem ?? [];
  const item = (name: string) => items.find((i) => i.name === name)?.value;
  return {
    taskId,
    status: body.taskStatus ?? 'Unknown',
    bucket: item('OSSBucket'),
    object: item('OSSObject'),
    format: item('ImageFormat'),
  };
}

/** Whether a task writes where this export would (items the task does not report are not held against it). */
function writesHere(t: TaskSummary, req: ExportRequest): boolean {
  const stem = `${exportStem(req.imageId, req.prefix)}_`;
  return (
    (t.bucket === undefined || t.bucket === req.bucket) &&
    (t.object === undefined || t.object.startsWith(stem)) &&
    (t.format === undefined || t.format === req.producedFormat)
  );
}

/** ExportImage tasks of the image (newest first), created since `since` or, without it, running. */
async function exportTasks(
  clients: CloudClients,
  req: ExportRequest,
  since: number | undefined,
): Promise<TaskSummary[]> {
  const body = await clients.call('ecs', 'DescribeTasks', {
    regionId: req.region,
    taskAction: 'ExportImage',
    resourceIds: [req.imageId],
    pageSize: 100,
    ...(since === undefined ? { taskStatus: 'Processing' } : { startTime: isoSeconds(since) }),
  });
  const tasks = (body.taskSet?.task ?? [])
    .filter((t) => t.taskId && (t.resourceId === undefined || t.resourceId === req.imageId))
    .sort((a, b) => byCodeUnits(String(b.creationTime ?? ''), String(a.creationTime ?? '')));
  const out: TaskSummary[] = [];
  for (const t of tasks) out.push(await describeTask(clients, req.region, t.taskId as string));
  return out;
}

async function sleep(clock: Clock, ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms > 0) await clock.sleep(ms, signal);
  if (signal?.aborted) throw abortReason(signal);
}

export async function startExport(
  clients: CloudClients,
  req: ExportRequest,
  opts: StartExportOptions = {},
): Promise<StartedExport> {
  const clock = opts.clock ?? realClock;
  const say = opts.say ?? (() => {});
  const signal = opts.signal;
  const since = clock.now() - LOOKUP_MARGIN_MS;
  const maxSends = opts.maxSends ?? 3;
  for (let send = 1; ; send++) {
    try {
      const body = await clients.call(
        'ecs',
        'ExportImage',
        {
          regionId: req.region,
          imageId: req.imageId,
          OSSBucket: req.bucket,
          ...(req.prefix ? { OSSPrefix: req.prefix } : {}),
          ...(req.imageFormat ? { imageFormat: req.imageFormat } : {}),
          roleName: req.roleName,
        },
        // One attempt: the client layer must not resend a call that takes no ClientToken.
        { retry: { maxAttempts: 1 }, ...(signal ? { signal } : {}) },
      );
      if (!body.taskId)
        throw new CloudError({ code: 'InvalidResponse', message: 'ExportImage returned no TaskId' });
      return { taskId: body.taskId, adopted: false };
    } catch (err) {
      if (signal?.aborted || !(err instanceof CloudError)) throw err;
      if (err.code === 'ImageIsExporting') return adoptRunning(clients, req, err, say);
      const outcome = sendOutcome(err);
      if (outcome === 'refused') throw err;
      if (outcome === 'unknown') {
        say(`ExportImage ${err.code}: looking for the task it may have started before sending it again`);
        for (const wait of opts.lookupDelaysMs ?? [0, 2000, 5000]) {
          await sleep(clock, wait, signal);
          const found = (await exportTasks(clients, req, since)).find((t) => writesHere(t, req));
          if (found) {
            say(`the ExportImage request did start task ${found.taskId}; following it`);
            return { taskId: found.taskId, adopted: true };
          }
        }
      }
      if (send >= maxSends) throw err;
      await sleep(clock, 1000 * 2 ** (send - 1), signal);
    }
  }
}

async function adoptRunning(
  clients: CloudClients,
  req: ExportRequest,
  err: CloudError,
  say: (line: string) => void,
): Promise<StartedExport> {
  const running = await exportTasks(clients, req, undefined);
  const same = running.find((t) => writesHere(t, req));
  if (same) {
    say(`${req.imageId} is already being exported (task ${same.taskId}) to this place; following it`);
    return { taskId: same.taskId, adopted: true };
  }
  const other = running[0];
  throw new SindriError(
    other
      ? `${req.imageId} is already being exported by task ${other.taskId} (to ${other.bucket ?? '?'}/${other.object ?? '?'}); ECS runs one export of an image at a time.`
      : `ECS says ${req.imageId} is being exported (ImageIsExporting), but no running ExportImage task of it was found.`,
    {
      code: 'ImageIsExporting',
      ...(err.requestId ? { requestId: err.requestId } : {}),
      actions: [
        other
          ? `wait for task ${other.taskId} to finish, or cancel it (aliyun ecs CancelTask --RegionId ${req.region} --TaskId ${other.taskId}), then run the export again`
          : 'wait a few minutes and run the export again',
      ],
    },
  );
}
