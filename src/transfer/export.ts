/**
 * `sindri packer export`: ExportImage into OSS (with the export RAM role), wait for the task through
 * DescribeTaskAttribute, find and check the object, optionally download it (resumable, verified).
 */
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { type CloudClients, CloudError, waitFor } from '../cloud/index.ts';
import { openWorkspace } from '../config/workspace.ts';
import { ExitCode, SindriError } from '../errors.ts';
import { DEFAULT_EXPORT_ROLE, findSelfImage } from '../images/images.ts';
import type { DownloadResult, TransferProgress } from './download.ts';
import { createOssClient, type ObjectInfo, type OssClient } from './oss-client.ts';
import { formatOssUrl, parseOssUrl } from './oss-url.ts';

export const EXPORT_FORMATS = ['qcow2', 'raw', 'vhd'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface RunExportOptions {
  imageId: string;
  /** `oss://bucket/prefix/` */
  to: string;
  format: ExportFormat;
  /** Directory to download the exported object into. */
  downloadDir?: string | undefined;
  /** Replace an existing downloaded file. */
  force?: boolean;
  configPath?: string | undefined;
  region?: string | undefined;
  roleName?: string | undefined;
  timeoutMs?: number;
  pollInitialMs?: number;
  pollMaxMs?: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  debug?: (line: string) => void;
  onInfo?: (line: string) => void;
  onTaskProgress?: (percent: number, status: string) => void;
  onDownloadProgress?: (p: TransferProgress) => void;
  onDownloadRetry?: (e: { attempt: number; offset: number; delayMs: number; reason: string }) => void;
  downloadRetry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

export interface ExportResult {
  imageId: string;
  region: string;
  taskId: string;
  format: ExportFormat;
  url: string;
  bucket: string;
  key: string;
  size: number;
  etag: string;
  /** What sindri verifies a download against: CRC-64/ECMA (decimal, as OSS reports it). */
  checksum: { algorithm: 'crc64ecma' | 'md5' | 'none'; value: string };
  /** An earlier export of the image in this format was found and used; no task was started. */
  reused: boolean;
  /** The task was started by an earlier attempt whose reply was lost, and adopted. */
  adoptedTask: boolean;
  download?: DownloadResult;
  /** Peak resident memory of the process that did the download (it runs apart from the CLI). */
  downloadMaxRssBytes?: number;
}

interface Task {
  status: string;
  percent: number;
  error?: string;
}

function interrupted(message: string, hint?: string): SindriError {
  return new SindriError(message, {
    exitCode: ExitCode.interrupted,
    code: 'Interrupted',
    ...(hint ? { hint } : {}),
  });
}

/** `45%` → 45. */
export function taskPercent(value: unknown): number {
  const n = Number.parseFloat(String(value ?? '').replace('%', ''));
  return Number.isFinite(n) ? Math.min(100, Math.max(0, n)) : 0;
}

async function findProcessingExport(
  clients: CloudClients,
  region: string,
  imageId: string,
): Promise<string | undefined> {
  const body = await clients.call('ecs', 'DescribeTasks', {
    regionId: region,
    taskAction: 'ExportImage',
    taskStatus: 'Processing',
    pageSize: 100,
  });
  const tasks = (body.taskSet?.task ?? []).filter((t) => t.resourceId === imageId && t.taskId);
  return tasks.length === 1 ? tasks[0]?.taskId : undefined;
}

/** The exported object: under the prefix, naming the image, the newest (preferring the format's extension). */
export async function findExportedObject(
  oss: OssClient,
  bucket: string,
  prefix: string,
  imageId: string,
  format: string,
  exactFormat = false,
): Promise<string | undefined> {
  const found: Array<{ key: string; lastModified: string }> = [];
  for await (const o of oss.list(bucket, prefix))
    if (o.key.includes(imageId) && (!exactFormat || o.key.endsWith(`.${format}`))) found.push(o);
  found.sort((a, b) => {
    const ea = a.key.endsWith(`.${format}`) ? 1 : 0;
    const eb = b.key.endsWith(`.${format}`) ? 1 : 0;
    if (ea !== eb) return eb - ea;
    return Date.parse(b.lastModified) - Date.parse(a.lastModified);
  });
  return found[0]?.key;
}

export function checksumOf(info: ObjectInfo): ExportResult['checksum'] {
  if (info.crc64) return { algorithm: 'crc64ecma', value: info.crc64 };
  if (/^[0-9a-f]{32}$/i.test(info.etag)) return { algorithm: 'md5', value: info.etag.toLowerCase() };
  return { algorithm: 'none', value: '' };
}

export async function runExport(opts: RunExportOptions): Promise<ExportResult> {
  const loc = parseOssUrl(opts.to, '--to');
  const say = opts.onInfo ?? (() => {});
  const ctx = await openWorkspace(opts);
  const region = ctx.region;
  const clients = await ctx.clients(region);
  const signal = opts.signal;

  const image = await findSelfImage(clients, region, opts.imageId);
  if (!image)
    throw new SindriError(`image ${opts.imageId} was not found among your own images in ${region}.`, {
      code: 'InvalidImageId.NotFound',
      actions: ['only custom images can be exported; check the ID and --region'],
    });
  if (image.status !== 'Available')
    throw new SindriError(
      `image ${opts.imageId} is ${image.status}; only Available images can be exported.`,
      {
        code: 'IncorrectImageStatus',
      },
    );

  const credentials = await ctx.credentials();
  const oss = await createOssClient({ credentials, region, ...(opts.env ? { env: opts.env } : {}) });
  // An image never changes: an earlier export of it in the same format is reused (so a run interrupted
  // while downloading resumes), unless --force.
  const earlier = opts.force
    ? undefined
    : await findExportedObject(oss, loc.bucket, loc.key, opts.imageId, opts.format, true);

  // Started once: ExportImage takes no ClientToken, so the client layer never resends it once it may have
  // reached the server. If the reply was lost, the task it started is found and adopted.
  let taskId: string | undefined;
  let adoptedTask = false;
  if (earlier)
    say(
      `reusing the earlier export ${formatOssUrl({ bucket: loc.bucket, key: earlier })} (--force exports again)`,
    );
  else
    try {
      const started = await clients.call(
        'ecs',
        'ExportImage',
        {
          regionId: region,
          imageId: opts.imageId,
          OSSBucket: loc.bucket,
          ...(loc.key ? { OSSPrefix: loc.key } : {}),
          imageFormat: opts.format,
          roleName: opts.roleName ?? DEFAULT_EXPORT_ROLE,
        },
        signal ? { signal } : {},
      );
      taskId = started.taskId;
    } catch (err) {
      if (signal?.aborted) throw interrupted('interrupted before the export started.');
      const ambiguous =
        err instanceof CloudError && err.statusCode === undefined && err.code !== 'UnknownAction';
      if (ambiguous) taskId = await findProcessingExport(clients, region, opts.imageId);
      if (!taskId) throw err;
      adoptedTask = true;
      say(`the reply to ExportImage was lost; following the export task ${taskId} it started`);
    }
  if (!earlier) await waitForExport();
  async function waitForExport(): Promise<void> {
    if (!taskId) throw new CloudError({ code: 'InvalidResponse', message: 'ExportImage returned no TaskId' });
    say(`exporting ${opts.imageId} to ${formatOssUrl(loc)} as ${opts.format} (task ${taskId})`);

    const id = taskId;
    try {
      await waitFor<Task>({
        poll: async (s) => {
          const body = await clients.call(
            'ecs',
            'DescribeTaskAttribute',
            { regionId: region, taskId: id },
            s ? { signal: s } : {},
          );
          const op = body.operationProgressSet?.operationProgress?.[0];
          return {
            status: body.taskStatus ?? 'Unknown',
            percent: taskPercent(body.taskProcess),
            ...(op?.errorCode ? { error: `${op.errorCode}: ${op.errorMsg ?? ''}` } : {}),
          };
        },
        isDone: (t) => t.status === 'Finished',
        failed: (t) =>
          ['Failed', 'Cancelled', 'Deleted'].includes(t.status)
            ? `the task ended ${t.status}${t.error ? ` (${t.error})` : ''}`
            : undefined,
        deadlineMs: opts.timeoutMs ?? 6 * 60 * 60 * 1000,
        initialDelayMs: opts.pollInitialMs ?? 2000,
        maxDelayMs: opts.pollMaxMs ?? 30_000,
        onProgress: (p) =>
          opts.onTaskProgress?.(p.value.status === 'Finished' ? 100 : p.value.percent, p.value.status),
        what: `export task ${id}`,
        describe: (t) => `${t.status} ${t.percent}%`,
        ...(signal ? { signal } : {}),
      });
    } catch (err) {
      if (signal?.aborted)
        throw interrupted(
          `interrupted; the export task ${id} goes on in the cloud.`,
          `its object appears under ${formatOssUrl(loc)}; cancel it with CancelTask if it is not wanted`,
        );
      throw err;
    }
  }

  const key = earlier ?? (await findExportedObject(oss, loc.bucket, loc.key, opts.imageId, opts.format));
  if (!key)
    throw new SindriError(
      `the export of ${opts.imageId} finished, but no object naming ${opts.imageId} is under ${formatOssUrl(loc)}.`,
      {
        code: 'ExportObjectNotFound',
        actions: ['check the bucket in the OSS console; the role may lack oss:PutObject'],
      },
    );
  const info = await oss.head(loc.bucket, key);
  const result: ExportResult = {
    imageId: opts.imageId,
    region,
    taskId: taskId ?? '',
    reused: earlier !== undefined,
    format: opts.format,
    url: formatOssUrl({ bucket: loc.bucket, key }),
    bucket: loc.bucket,
    key,
    size: info.size,
    etag: info.etag,
    checksum: checksumOf(info),
    adoptedTask,
  };
  if (opts.downloadDir) {
    const dir = resolve(opts.cwd ?? process.cwd(), opts.downloadDir);
    await mkdir(dir, { recursive: true });
    const dest = join(dir, basename(key));
    say(`downloading ${result.url} to ${dest}`);
    const { downloadInWorker } = await import('./download-worker.ts');
    const { maxRssBytes, ...download } = await downloadInWorker({
      job: {
        region,
        bucket: loc.bucket,
        key,
        dest,
        info,
        ...(opts.force ? { force: true } : {}),
        ...(opts.downloadRetry ? { retry: opts.downloadRetry } : {}),
      },
      credentials,
      env: opts.env ?? process.env,
      ...(signal ? { signal } : {}),
      ...(opts.onDownloadProgress ? { onProgress: opts.onDownloadProgress } : {}),
      ...(opts.onDownloadRetry ? { onRetry: opts.onDownloadRetry } : {}),
    });
    result.download = download;
    result.downloadMaxRssBytes = maxRssBytes;
  }
  return result;
}
