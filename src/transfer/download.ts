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
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { abortReason, type Clock, realClock } from '../cloud/clock.ts';
import { CloudError } from '../cloud/errors.ts';
import { ExitCode, SindriError } from '../errors.ts';
import { Crc64 } from './crc64.ts';
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

export interface DownloadRetryPolicy {
  /** Consecutive failed attempts (without a byte of progress) before giving up. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_DOWNLOAD_RETRY: DownloadRetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 500,
  maxDelayMs: 15_000,
};

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

interface PartMeta {
  bucket: string;
  key: string;
  etag: string;
  size: number;
  crc64?: string;
}

export function partPaths(dest: string): { part: string; meta: string } {
  return { part: `${dest}.sindri-part`, meta: `${dest}.sindri-part.json` };
}

/** Parses `bytes <start>-<end>/<total>`. */
export function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total: number } | undefined {
  const m = value ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value.trim()) : null;
  if (!m) return undefined;
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (end < start || end >= total) return undefined;
  return { start, end, total };
}

/**
 * Whether a ranged reply may be appended to a file holding `offset` bytes of an object of `size`
 * bytes: only a 206 whose range starts at `offset`, ends at the last byte and names the same total.
 */
export function checkRangeReply(
  status: number,
  contentRange: string | undefined,
  offset: number,
  size: number,
): string | undefined {
  if (status !== 206)
    return `the server answered ${status} instead of 206 Partial Content to Range: bytes=${offset}-`;
  const r = parseContentRange(contentRange);
  if (!r) return `the 206 reply has no valid Content-Range (${contentRange ?? 'none'})`;
  if (r.start !== offset) return `the 206 reply starts at byte ${r.start}, not ${offset}`;
  if (r.total !== size) return `the object is now ${r.total} bytes, not ${size}`;
  if (r.end !== size - 1) return `the 206 reply ends at byte ${r.end}, not ${size - 1}`;
  return undefined;
}

export function retryDelay(attempt: number, policy: DownloadRetryPolicy): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function readMeta(path: string): Promise<PartMeta | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as PartMeta;
  } catch {
    return undefined;
  }
}

/** Hashes a file's first `length` bytes with CRC-64 (and MD5 when asked), streaming. */
async function hashFile(path: string, length: number, md5: boolean) {
  const crc = new Crc64();
  const hash = md5 ? createHash('md5') : undefined;
  if (length > 0) {
    for await (const chunk of createReadStream(path, { start: 0, end: length - 1, highWaterMark: 1 << 20 })) {
      crc.update(chunk as Buffer);
      hash?.update(chunk as Buffer);
    }
  }
  return { crc, hash };
}

function interrupted(dest: string): SindriError {
  return new SindriError(`interrupted; the partial download is kept in ${partPaths(dest).part}.`, {
    exitCode: ExitCode.interrupted,
    code: 'Interrupted',
    actions: ['run the same command again to resume it'],
  });
}

function describe(err: unknown): string {
  if (err instanceof CloudError) return err.summary();
  const e = err as { code?: string; message?: string };
  return e?.code ? `${e.code}: ${e.message ?? ''}` : String(e?.message ?? err);
}

function retryable(err: unknown): boolean {
  if (err instanceof CloudError) return err.retryable;
  return true; // Socket errors, premature ends, timeouts.
}

export async function downloadObject(opts: DownloadOptions): Promise<DownloadResult> {
  const { oss, bucket, key, dest } = opts;
  const clock = opts.clock ?? realClock;
  const policy = { ...DEFAULT_DOWNLOAD_RETRY, ...opts.retry };
  const signal = opts.signal;
  const info = opts.info ?? (await oss.head(bucket, key));
  const size = info.size;
  const { part, meta } = partPaths(dest);
  if (!opts.force && (await exists(dest)))
    throw new SindriError(`${dest} already exists.`, {
      code: 'DestinationExists',
      actions: ['remove it, choose another directory, or pass --force to replace it'],
    });

  const wanted: PartMeta = {
    bucket,
    key,
    etag: info.etag,
    size,
    ...(info.crc64 ? { crc64: info.crc64 } : {}),
  };
  const previous = await readMeta(meta);
  let offset = 0;
  const sameObject =
    previous !== undefined &&
    previous.bucket === bucket &&
    previous.key === key &&
    previous.etag === wanted.etag &&
    previous.size === size &&
    previous.crc64 === wanted.crc64;
  if (sameObject && (await exists(part))) {
    const onDisk = (await stat(part)).size;
    if (onDisk <= size) offset = onDisk;
  }
  const wantMd5 = !info.crc64 && /^[0-9a-f]{32}$/i.test(info.etag);
  let crc: Crc64;
  let md5: ReturnType<typeof createHash> | undefined;
  if (offset > 0) {
    // Resume: the CRC of what is already there, read back from disk.
    const h = await hashFile(part, offset, wantMd5);
    crc = h.crc;
    md5 = h.hash;
  } else {
    crc = new Crc64();
    md5 = wantMd5 ? createHash('md5') : undefined;
    await writeFile(part, '');
  }
  await writeFile(meta, `${JSON.stringify(wanted)}\n`);
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
            `download of oss://${bucket}/${key} failed ${failures} times in a row at byte ${offset}: ${describe(err)}`,
            {
              code: 'DownloadFailed',
              actions: [`the partial file ${part} is kept; run the command again to resume`],
            },
          );
        const delayMs = retryDelay(failures, policy);
        resumes++;
        opts.onRetry?.({ attempt: failures, offset, delayMs, reason: describe(err) });
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

  const result: DownloadResult = {
    path: dest,
    size,
    verifiedBy: 'size',
    resumedFrom,
    requests,
    resumes,
  };
  const gotCrc = crc.digest();
  result.crc64 = gotCrc;
  if (info.crc64) {
    if (gotCrc !== info.crc64) {
      await rm(part, { force: true });
      await rm(meta, { force: true });
      throw new SindriError(
        `the downloaded file does not match oss://${bucket}/${key}: CRC-64 ${gotCrc}, OSS reports ${info.crc64}.`,
        { code: 'ChecksumMismatch', actions: ['the partial file was deleted; download again'] },
      );
    }
    result.verifiedBy = 'crc64';
  } else if (md5) {
    const got = md5.digest('hex');
    result.md5 = got;
    if (got.toLowerCase() !== info.etag.toLowerCase()) {
      await rm(part, { force: true });
      await rm(meta, { force: true });
      throw new SindriError(
        `the downloaded file does not match oss://${bucket}/${key}: MD5 ${got}, ETag ${info.etag}.`,
        { code: 'ChecksumMismatch', actions: ['the partial file was deleted; download again'] },
      );
    }
    result.verifiedBy = 'md5';
  }
  await rename(part, dest);
  await rm(meta, { force: true });
  return result;
}
