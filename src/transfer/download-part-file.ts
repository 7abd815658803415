/**
 * The partial file a download writes, `<dest>.sindri-part`, next to `<dest>.sindri-part.json` naming
 * the object it holds: resuming it (only for the same object, its checksums read back from disk), and
 * verifying it against the object's CRC-64 (or MD5) before it is renamed to the destination.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { SindriError } from '../errors.ts';
import { Crc64 } from './crc64.ts';
import type { ObjectInfo } from './oss-client.ts';

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

export async function exists(path: string): Promise<boolean> {
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

export interface PartFile {
  part: string;
  meta: string;
  /** Bytes already on disk, where the download continues. */
  offset: number;
  /** The checksums of those bytes, to be continued with the rest. */
  crc: Crc64;
  md5: Hash | undefined;
}

/**
 * The partial file for `dest`: resumed when it holds the same object (bucket, key, ETag, size, CRC),
 * else started empty; the metadata file is (re)written either way.
 */
export async function openPartFile(
  dest: string,
  bucket: string,
  key: string,
  info: ObjectInfo,
): Promise<PartFile> {
  const size = info.size;
  const { part, meta } = partPaths(dest);
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
  let md5: Hash | undefined;
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
  return { part, meta, offset, crc, md5 };
}

export interface Verified {
  crc64: string;
  md5?: string;
  /** What was checked: `crc64`, `md5` or `size` (OSS reported neither). */
  verifiedBy: 'crc64' | 'md5' | 'size';
}

/**
 * Checks the complete partial file's checksums against the object and renames it to `dest`; on a
 * mismatch deletes it (and its metadata) and throws.
 */
export async function verifyAndRename(
  file: PartFile,
  dest: string,
  bucket: string,
  key: string,
  info: ObjectInfo,
): Promise<Verified> {
  const { part, meta, crc, md5 } = file;
  const gotCrc = crc.digest();
  const result: Verified = { crc64: gotCrc, verifiedBy: 'size' };
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
