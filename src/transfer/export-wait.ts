/**
 * Following an export task with DescribeTaskAttribute (ECS ref `Others/DescribeTaskAttribute`):
 * `TaskProcess` ("45%") for the progress bar, `Finished` ends it, `Failed` (or `Cancelled`, `Deleted`)
 * fails it with the operation's ErrorCode; `RelatedItemSet` names the object ECS wrote (`OSSObject`).
 */
import { type CloudClients, waitFor } from '../cloud/index.ts';
import { ExitCode, SindriError } from '../errors.ts';

export interface ExportTaskState {
  status: string;
  percent: number;
  error?: string;
  /** `OSSObject` of the task's related items, when ECS reports it. */
  object?: string;
}

/** `45%` → 45. */
export function taskPercent(value: unknown): number {
  const n = Number.parseFloat(String(value ?? '').replace('%', ''));
  return Number.isFinite(n) ? Math.min(100, Math.max(0, n)) : 0;
}

export interface WaitForExportOptions {
  region: string;
  taskId: string;
  timeoutMs: number;
  pollInitialMs: number;
  pollMaxMs: number;
  signal?: AbortSignal | undefined;
  onProgress?: ((percent: number, status: string) => void) | undefined;
  /** Where the objects appear, for the message after an interruption. */
  where: string;
}

export async function waitForExportTask(
  clients: CloudClients,
  opts: WaitForExportOptions,
): Promise<ExportTaskState> {
  const { region, taskId: id, signal } = opts;
  try {
    return await waitFor<ExportTaskState>({
      poll: async (s) => {
        const body = await clients.call(
          'ecs',
          'DescribeTaskAttribute',
          { regionId: region, taskId: id },
          s ? { signal: s } : {},
        );
        const op = body.operationProgressSet?.operationProgress?.[0];
        const object = op?.relatedItemSet?.relatedItem?.find((i) => i.name === 'OSSObject')?.value;
        return {
          status: body.taskStatus ?? 'Unknown',
          percent: taskPercent(body.taskProcess),
          ...(op?.errorCode ? { error: `${op.errorCode}: ${op.errorMsg ?? ''}` } : {}),
          ...(object ? { object } : {}),
        };
      },
      isDone: (t) => t.status === 'Finished',
      failed: (t) =>
        ['Failed', 'Cancelled', 'Deleted'].includes(t.status)
          ? `the task ended ${t.status}${t.error ? ` (${t.error})` : ''}`
          : undefined,
      deadlineMs: opts.timeoutMs,
      initialDelayMs: opts.pollInitialMs,
      maxDelayMs: opts.pollMaxMs,
      onProgress: (p) =>
        opts.onProgress?.(p.value.status === 'Finished' ? 100 : p.value.percent, p.value.status),
      what: `export task ${id}`,
      describe: (t) => `${t.status} ${t.percent}%`,
      ...(signal ? { signal } : {}),
    });
  } catch (err) {
    if (signal?.aborted)
      throw new SindriError(`interrupted; the export task ${id} goes on in the cloud.`, {
        exitCode: ExitCode.interrupted,
        code: 'Interrupted',
        actions: [
          `its objects appear as ${opts.where}*; run the same command again to follow it, or cancel it with CancelTask`,
        ],
      });
    throw err;
  }
}
