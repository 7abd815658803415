/**
 * `sindri packer export`: ExportImage into OSS (with the export RAM role), started once
 * (export-start.ts), followed to the end (export-wait.ts), its objects found by their real names
 * (export-objects.ts) and checked, optionally downloaded (resumable, verified).
 */
import { mkdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { openWorkspace } from '../config/workspace.ts';
import { ExitCode, SindriError } from '../errors.ts';
import { DEFAULT_EXPORT_ROLE, findSelfImage } from '../images/images.ts';
import { credentialRenewer, resolveAgain } from './credential-renewal.ts';
import type { DownloadResult, TransferProgress } from './download.ts';
import {
  exportStem,
  honoursImageFormat,
  IMAGE_FORMAT_REGIONS,
  type ImageFormat,
  producedFormat,
} from './export-format.ts';
import { type FoundObject, findExportObjects } from './export-objects.ts';
import { startExport } from './export-start.ts';
import { parseExportTarget } from './export-target.ts';
import { waitForExportTask } from './export-wait.ts';
import { createOssClient, type ObjectInfo } from './oss-client.ts';
import { formatOssUrl } from './oss-url.ts';

export { taskPercent } from './export-wait.ts';

export interface RunExportOptions {
  imageId: string;
  /** `oss://bucket[/prefix]` */
  to: string;
  format: ImageFormat;
  /** Directory to download the exported objects into. */
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
  /** Something the user should know that is not an error (it goes into the envelope's warnings). */
  onWarning?: (message: string, code: string) => void;
  onTaskProgress?: (percent: number, status: string) => void;
  onDownloadProgress?: (p: TransferProgress) => void;
  onDownloadRetry?: (e: { attempt: number; offset: number; delayMs: number; reason: string }) => void;
  downloadRetry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Lookups for a task after an unclear ExportImage answer (tests shorten them). */
  lookupDelaysMs?: readonly number[];
}

export interface ExportedDisk {
  /** `system`, or the data disk's mount point (`xvdb`). */
  disk: string;
  url: string;
  key: string;
  size: number;
  etag: string;
  /** What sindri verifies a download against: CRC-64/ECMA (decimal, as OSS reports it). */
  checksum: { algorithm: 'crc64ecma' | 'md5' | 'none'; value: string };
  download?: DownloadResult;
}

export interface ExportResult extends ExportedDisk {
  imageId: string;
  region: string;
  taskId: string;
  bucket: string;
  /** `OSSPrefix`, `''` when none. */
  prefix: string;
  requestedFormat: ImageFormat;
  /** The format ECS produced, as the object's name shows it. */
  format: ImageFormat | 'unknown';
  /** `tar.gz` when the disk image is packed in a gzipped tar (RAW exports). */
  archive: 'tar.gz' | 'none';
  dataDisks: ExportedDisk[];
  /** An earlier export of the image in this format was found and used; no task was started. */
  reused: boolean;
  /** The task was started by an earlier request whose reply was lost, or was already running: adopted. */
  adoptedTask: boolean;
  /** Peak resident memory of the processes that did the downloads (they run apart from the CLI). */
  downloadMaxRssBytes?: number;
}

export function checksumOf(info: ObjectInfo): ExportedDisk['checksum'] {
  if (info.crc64) return { algorithm: 'crc64ecma', value: info.crc64 };
  if (/^[0-9a-f]{32}$/i.test(info.etag)) return { algorithm: 'md5', value: info.etag.toLowerCase() };
  return { algorithm: 'none', value: '' };
}

export async function runExport(opts: RunExportOptions): Promise<ExportResult> {
  const target = parseExportTarget(opts.to, '--to');
  const say = opts.onInfo ?? (() => {});
  const warn = opts.onWarning ?? (() => {});
  const ctx = await openWorkspace(opts);
  const region = ctx.region;
  const clients = await ctx.clients(region);
  const signal = opts.signal;
  const stem = exportStem(opts.imageId, target.prefix);
  const where = formatOssUrl({ bucket: target.bucket, key: `${stem}_` });

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
  const expected = producedFormat(region, opts.format);
  if (opts.format !== expected)
    warn(
      `ExportImage honours --format only in ${IMAGE_FORMAT_REGIONS.join(', ')}; in ${region} ECS exports RAW (a .raw.tar.gz archive), not ${opts.format}.`,
      'ImageFormatNotHonoured',
    );

  const credentials = await ctx.credentials();
  const env = opts.env ?? process.env;
  const renew = credentials.securityToken
    ? credentialRenewer({
        initial: credentials,
        resolve: resolveAgain({ env, region, profile: ctx.alibaba?.credentials_profile }),
      })
    : undefined;
  const oss = await createOssClient({
    credentials,
    region,
    env,
    ...(renew ? { refreshCredentials: renew } : {}),
  });
  // An image never changes: an earlier export of it in the same format is reused (so a run interrupted
  // while downloading resumes), unless --force.
  const earlier = opts.force
    ? undefined
    : await findExportObjects(oss, target.bucket, stem, { format: expected, exact: true });
  let taskId = '';
  let adoptedTask = false;
  let found = earlier?.system ? earlier : undefined;
  if (found?.system)
    say(
      `reusing the earlier export ${formatOssUrl({ bucket: target.bucket, key: found.system.key })} (--force exports again)`,
    );
  else {
    const started = await startExport(
      clients,
      {
        region,
        imageId: opts.imageId,
        bucket: target.bucket,
        prefix: target.prefix,
        imageFormat: honoursImageFormat(region) ? opts.format : undefined,
        producedFormat: expected,
        roleName: opts.roleName ?? DEFAULT_EXPORT_ROLE,
      },
      { signal, say, ...(opts.lookupDelaysMs ? { lookupDelaysMs: opts.lookupDelaysMs } : {}) },
    ).catch((err: unknown) => {
      if (!signal?.aborted) throw err;
      throw new SindriError('interrupted before the export started.', {
        exitCode: ExitCode.interrupted,
        code: 'Interrupted',
        actions: [
          `if ExportImage did start, its objects appear as ${where}*; run the same command again to follow it`,
        ],
      });
    });
    taskId = started.taskId;
    adoptedTask = started.adopted;
    say(`exporting ${opts.imageId} to ${where}* as ${expected} (task ${taskId})`);
    const done = await waitForExportTask(clients, {
      region,
      taskId,
      timeoutMs: opts.timeoutMs ?? 6 * 60 * 60 * 1000,
      pollInitialMs: opts.pollInitialMs ?? 2000,
      pollMaxMs: opts.pollMaxMs ?? 30_000,
      signal,
      onProgress: opts.onTaskProgress,
      where,
    });
    found = await findExportObjects(oss, target.bucket, stem, {
      format: expected,
      ...(done.object ? { reported: done.object } : {}),
    });
  }
  const system = found?.system;
  if (!system)
    throw new SindriError(
      `the export of ${opts.imageId} finished, but no ${stem}_system.* object is in oss://${target.bucket}/ (found: ${found?.keys.join(', ') || 'nothing'}).`,
      {
        code: 'ExportObjectNotFound',
        actions: ['check the bucket in the OSS console; the export role may lack oss:PutObject'],
      },
    );
  const produced = system.file.format ?? 'unknown';
  if (produced !== expected)
    warn(
      `ExportImage was asked for ${opts.format} and produced ${produced} (${system.key}).`,
      'ExportFormatDiffers',
    );

  const describe = async (o: FoundObject, disk: string): Promise<ExportedDisk & { info: ObjectInfo }> => {
    const info = await oss.head(target.bucket, o.key);
    return {
      disk,
      url: formatOssUrl({ bucket: target.bucket, key: o.key }),
      key: o.key,
      size: info.size,
      etag: info.etag,
      checksum: checksumOf(info),
      info,
    };
  };
  const disks = [await describe(system, 'system')];
  for (const d of found?.data ?? []) disks.push(await describe(d, d.file.device ?? 'data'));

  let maxRss = 0;
  if (opts.downloadDir) {
    const dir = resolve(opts.cwd ?? process.cwd(), opts.downloadDir);
    await mkdir(dir, { recursive: true });
    const { downloadInWorker } = await import('./download-worker.ts');
    for (const d of disks) {
      const dest = join(dir, basename(d.key));
      say(`downloading ${d.url} to ${dest}`);
      const { maxRssBytes, ...download } = await downloadInWorker({
        job: {
          region,
          bucket: target.bucket,
          key: d.key,
          dest,
          info: d.info,
          ...(opts.force ? { force: true } : {}),
          ...(opts.downloadRetry ? { retry: opts.downloadRetry } : {}),
        },
        credentials,
        env,
        ...(renew ? { renewCredentials: renew } : {}),
        ...(signal ? { signal } : {}),
        ...(opts.onDownloadProgress ? { onProgress: opts.onDownloadProgress } : {}),
        ...(opts.onDownloadRetry ? { onRetry: opts.onDownloadRetry } : {}),
      });
      d.download = download;
      maxRss = Math.max(maxRss, maxRssBytes);
    }
  }
  const [systemDisk, ...dataDisks] = disks.map(({ info: _info, ...d }) => d) as [
    ExportedDisk,
    ...ExportedDisk[],
  ];
  return {
    imageId: opts.imageId,
    region,
    taskId,
    bucket: target.bucket,
    prefix: target.prefix ?? '',
    requestedFormat: opts.format,
    format: produced,
    archive: system.file.archive ?? 'none',
    ...systemDisk,
    dataDisks,
    reused: earlier?.system !== undefined,
    adoptedTask,
    ...(maxRss ? { downloadMaxRssBytes: maxRss } : {}),
  };
}
