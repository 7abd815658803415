/**
 * Resumable, verified download of one OSS object to a file.
 *
 * - Streamed: one chunk in memory at a time; each is written before the next is read.
 * - Resumed: the bytes go to `<dest>.sindri-part` (with `<dest>.sindri-part.json` naming the object's
 *   ETag, size and CRC). After a dropped connection, or in a later run, the download continues with
 *   `Range: bytes=<bytes on disk>-` and `If-Match: <ETag>`. Only a `206` whose Content-Range starts
 *   exactly there is appended; any other reply is an error and nothing is written.
 * - Verified: CRC-64/ECMA over the whole file against `x-oss-hash-crc64ecma` (MD5 against a simple
 *   upload's ETag when OSS gave no CRC).
 * - Atomic: the partial file is synced and renamed to the destination only once verified.
 */
import { type FileHandle, open } from 'node:fs/promises';
import { abortReason, type Clock, realClock } from '../cloud/clock.ts';
import { CloudError } from '../cloud/errors.ts';
import { ExitCode, SindriError } from '../errors.ts';
import { exists, openPartFile, partPaths, verifyAndRename } from './download-part-file.ts';
import { checkRangeReply } from './download-range.ts';
import {
  DEFAULT_DOWNLOAD_RETRY,
  type DownloadRetryPolicy,
  describeFailure,
  retryable,
  retryDelay,
} from './download-retry.ts';
import type { ObjectInfo, OssClient } from './oss-client.ts';

export interface TransferProgress {
  /** Bytes on disk. */
  received: number;
  total: number;
  /** Bytes found on disk when this run started. */
  resumedFrom: number;
  /** Average rate of this run, bytes per second. */
  bytesPerSecond: number;
  /** Seconds left at that rate; undefined until there is a rate. */
  etaSeconds: number | undefined;
}

export interface DownloadOptions {
  oss: OssClient;
  bucket: string;
  key: string;
  dest: string;
  /** The object as HeadObject saw it; looked up when omitted. */
  info?: ObjectInfo;
  /** Replace an existing destination file. */
  force?: boolean;
  signal?: AbortSignal;
  retry?: Partial<DownloadRetryPolicy>;
  clock?: Clock;
  onProgress?: (p: TransferProgress) => void;
  /**
   * Called after every `reclaimEveryBytes` received (default 4 MiB): the CLI passes a garbage
   * collection there, so the socket's spent chunks do not pile up until V8 decides to collect them.
   */
  reclaim?: () => void;
  reclaimEveryBytes?: number;
  /** A connection dropped or failed and the download continues from `offset`. */
  onRetry?: (e: { attempt: number; offset: number; delayMs: number; reason: string }) => void;
}

export interface DownloadResult {
  path: string;
  size: number;
  crc64?: string;
  md5?: string;
  /** What was checked: `crc64`, `md5` or `size` (OSS reported neither). */
  verifiedBy: 'crc64' | 'md5' | 'size';
  /** Bytes already on disk from an earlier run. */
  resumedFrom: number;
  /** GET requests made (1 when nothing went wrong). */
  requests: number;
  /** Connections that failed and were resumed. */
  resumes: number;
}

function interrupted(dest: string): SindriError {
  return new SindriError(`interrupted; the partial download is kept in ${partPaths(dest).part}.`, {
    exitCode: ExitCode.interrupted,
    code: 'Interrupted',
    actions: ['run the same command again to resume it'],
  });
}

export async function downloadObject(opts: DownloadOptions): Promise<DownloadResult> {
  const { oss, bucket, key, dest } = opts;
  const clock = opts.clock ?? realClock;
  const policy = { ...DEFAULT_DOWNLOAD_RETRY, ...opts.retry };
  const signal = opts.signal;
  const info = opts.info ?? (await oss.head(bucket, key));
  const size = info.size;
  if (!opts.force && (await exists(dest)))
    throw new SindriError(`${dest} already exists.`, {
      code: 'DestinationExists',
      actions: ['remove it, choose another directory, or pass --force to replace it'],
    });
  const file = await openPartFile(dest, bucket, key, info);
  const { part, crc, md5 } = file;
  let offset = file.offset;
  const resumedFrom = offset;
  const started = clock.now();
  const report = () => {
    if (!opts.onProgress) return;
    const elapsed = (clock.now() - started) / 1000;
    const rate = elapsed > 0 ? (offset - resumedFrom) / elapsed : 0;
    opts.onProgress({
      received: offset,
      total: size,
      resumedFrom,
      bytesPerSecond: rate,
      etaSeconds: rate > 0 ? (size - offset) / rate : undefined,
    });
  };
  report();

  let requests = 0;
  let resumes = 0;
  let failures = 0;
  const fh: FileHandle = await open(part, 'r+');
  try {
    while (offset < size) {
      if (signal?.aborted) throw interrupted(dest);
      const before = offset;
      try {
        requests++;
        const res = await oss.getFrom(bucket, key, offset, { ifMatch: info.etag });
        const problem = checkRangeReply(
          res.status,
          typeof res.headers['content-range'] === 'string' ? res.headers['content-range'] : undefined,
          offset,
          size,
        );
        if (problem) {
          res.stream.destroy();
          throw new SindriError(
            `download of oss://${bucket}/${key} stopped: ${problem}; nothing was appended.`,
            {
              code: 'RangeNotHonoured',
              actions: [`the partial file ${part} is kept; run the command again to retry`],
            },
          );
        }
        const onAbort = () => res.stream.destroy(abortReason(signal as AbortSignal));
        signal?.addEventListener('abort', onAbort, { once: true });
        let lastReport = 0;
        const reclaimEvery = opts.reclaimEveryBytes ?? 4 * 1024 * 1024;
        let nextReclaim = offset + reclaimEvery;
        try {
          for await (const chunk of res.stream) {
            const buf = chunk as Buffer;
            if (offset + buf.length > size) throw new Error(`the server sent more than ${size} bytes`);
            await fh.write(buf, 0, buf.length, offset);
            crc.update(buf);
            md5?.update(buf);
            offset += buf.length;
            if (opts.reclaim && offset >= nextReclaim) {
              nextReclaim = offset + reclaimEvery;
              opts.reclaim();
            }
            const now = clock.now();
            if (now - lastReport >= 200) {
              lastReport = now;
              report();
            }
          }
        } finally {
          signal?.removeEventListener('abort', onAbort);
        }
        if (offset < size) throw new Error(`the connection closed after byte ${offset} of ${size}`);
      } catch (err) {
        if (signal?.aborted) throw interrupted(dest);
        if (err instanceof SindriError) throw err;
        if (err instanceof CloudError && err.code === 'PreconditionFailed')
          throw new SindriError(`oss://${bucket}/${key} changed while it was being downloaded.`, {
            code: 'ObjectChanged',
            actions: [`delete ${part} and download it again`],
          });
        if (!retryable(err)) throw err;
        failures = offset > before ? 1 : failures + 1;
        if (failures >= policy.maxAttempts)
          throw new SindriError(
            `download of oss://${bucket}/${key} failed ${failures} times in a row at byte ${offset}: ${describeFailure(err)}`,
            {
              code: 'DownloadFailed',
              actions: [`the partial file ${part} is kept; run the command again to resume`],
            },
          );
        const delayMs = retryDelay(failures, policy);
        resumes++;
        opts.onRetry?.({ attempt: failures, offset, delayMs, reason: describeFailure(err) });
        try {
          await clock.sleep(delayMs, signal);
        } catch {
          throw interrupted(dest);
        }
      }
    }
    await fh.sync();
  } finally {
    await fh.close();
  }
  report();
  const verified = await verifyAndRename(file, dest, bucket, key, info);
  return {
    path: dest,
    size,
    verifiedBy: verified.verifiedBy,
    resumedFrom,
    requests,
    resumes,
    crc64: verified.crc64,
    ...(verified.md5 !== undefined ? { md5: verified.md5 } : {}),
  };
}
