/**
 * The OSS emulator's state: buckets, objects (stored bytes or content generated from a seed),
 * multipart uploads and injected faults. One store per emulator (per World).
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Crc64 } from '../../../src/transfer/crc64.ts';
import type { World } from '../state.ts';

export interface OssBucket {
  name: string;
  region: string;
  accountId: string;
  createdAt: number;
  objects: Map<string, OssObject>;
  uploads: Map<string, MultipartUpload>;
}

/** Bytes kept in memory, or `size` bytes derived from `seed` (never held in memory). */
export type OssBody = { kind: 'bytes'; data: Buffer } | { kind: 'generated'; seed: string; size: number };

export interface OssObject {
  key: string;
  body: OssBody;
  size: number;
  /** Quoted, upper-case hex, as OSS sends it. */
  etag: string;
  type: 'Normal' | 'Multipart';
  contentType: string;
  lastModified: number;
  /** Hidden from every request until then (an export still running). */
  visibleAt: number;
  /** Computed on first need for generated bodies. */
  crc64?: Promise<string>;
}

export interface MultipartUpload {
  uploadId: string;
  key: string;
  contentType: string;
  parts: Map<number, { data: Buffer; etag: string }>;
}

/** A fault for GetObject/HeadObject/PutObject…, matched by operation and (optionally) key. */
export interface OssFaultSpec {
  /** `GetObject`, `HeadObject`, `PutObject`, `ListObjects`, …; any when omitted. */
  op?: string;
  /** Exact object key; any when omitted. */
  key?: string;
  /** How many requests it hits (default 1). */
  times?: number;
  /** Send this many body bytes of a GetObject, then destroy the connection. */
  dropAfterBytes?: number;
  /** Answer a ranged GetObject with 200 and the whole object, as if the Range header were ignored. */
  ignoreRange?: boolean;
  /** Fail with this HTTP status and OSS error code. */
  status?: number;
  code?: string;
}

export interface OssFault extends OssFaultSpec {
  id: string;
  remaining: number;
}

export interface GetLogEntry {
  key: string;
  range: string | undefined;
  status: number;
  /** The access key that signed the request. */
  accessKeyId: string;
}

const stores = new WeakMap<World, OssStore>();

/** The OSS store of an emulator's world (for the ExportImage hook). */
export function ossStoreOf(world: World): OssStore | undefined {
  return stores.get(world);
}

export class OssStore {
  readonly world: World;
  readonly buckets = new Map<string, OssBucket>();
  faults: OssFault[] = [];
  private faultSeq = 0;
  /** Size in bytes of objects ExportImage writes; default the image's size in GiB. */
  exportSizeBytes: number | undefined;
  /** Completed GetObject requests, with the Range each asked for and the key that signed it (for tests). */
  readonly getLog: GetLogEntry[] = [];

  constructor(world: World) {
    this.world = world;
    stores.set(world, this);
  }

  now(): number {
    return this.world.now();
  }

  createBucket(name: string, region: string, accountId: string): OssBucket {
    const existing = this.buckets.get(name);
    if (existing) return existing;
    const b: OssBucket = {
      name,
      region,
      accountId,
      createdAt: this.now(),
      objects: new Map(),
      uploads: new Map(),
    };
    this.buckets.set(name, b);
    return b;
  }

  visible(bucket: OssBucket, key: string): OssObject | undefined {
    const o = bucket.objects.get(key);
    return o && o.visibleAt <= this.now() ? o : undefined;
  }

  putBytes(
    bucket: OssBucket,
    key: string,
    data: Buffer,
    opts: { contentType?: string; etag?: string; type?: 'Normal' | 'Multipart' } = {},
  ): OssObject {
    const obj: OssObject = {
      key,
      body: { kind: 'bytes', data },
      size: data.length,
      etag: opts.etag ?? `"${createHash('md5').update(data).digest('hex').toUpperCase()}"`,
      type: opts.type ?? 'Normal',
      contentType: opts.contentType ?? 'application/octet-stream',
      lastModified: this.now(),
      visibleAt: 0,
      crc64: Promise.resolve(new Crc64().update(data).digest()),
    };
    bucket.objects.set(key, obj);
    return obj;
  }

  /** An object of `size` bytes of deterministic pseudo-random content; nothing is kept in memory. */
  putGenerated(bucket: OssBucket, key: string, size: number, seed: string, visibleAt = 0): OssObject {
    const parts = Math.max(1, Math.ceil(size / (100 * 1024 * 1024)));
    const tag = createHash('md5').update(`${seed}:${size}`).digest('hex').toUpperCase();
    const obj: OssObject = {
      key,
      body: { kind: 'generated', seed, size },
      size,
      // Exports are written as multipart uploads: the ETag is not an MD5 of the content.
      etag: `"${tag}-${parts}"`,
      type: 'Multipart',
      contentType: 'application/octet-stream',
      lastModified: Math.max(this.now(), visibleAt),
      visibleAt,
    };
    bucket.objects.set(key, obj);
    return obj;
  }

  /** The object's CRC-64/ECMA as OSS reports it; generated bodies are read once, in slices. */
  crc64Of(obj: OssObject): Promise<string> {
    obj.crc64 ??= (async () => {
      const crc = new Crc64();
      for await (const chunk of bodyStream(obj.body, 0, obj.size - 1)) crc.update(chunk as Buffer);
      return crc.digest();
    })();
    return obj.crc64;
  }

  injectFault(spec: OssFaultSpec): string {
    const id = `oss-fault-${++this.faultSeq}`;
    this.faults.push({ ...spec, id, remaining: spec.times ?? 1 });
    return id;
  }

  clearFaults(): void {
    this.faults = [];
  }

  pickFault(op: string, key: string | undefined): OssFault | undefined {
    const f = this.faults.find(
      (x) => x.remaining > 0 && (x.op === undefined || x.op === op) && (x.key === undefined || x.key === key),
    );
    if (f) {
      f.remaining--;
      if (f.remaining <= 0) this.faults = this.faults.filter((x) => x !== f);
    }
    return f;
  }

  reset(): void {
    this.buckets.clear();
    this.faults = [];
    this.exportSizeBytes = undefined;
    this.getLog.length = 0;
  }
}

const CHUNK = 256 * 1024;

/** The bytes `start..end` (inclusive) of a body, as a stream of bounded chunks. */
export function bodyStream(body: OssBody, start: number, end: number): Readable {
  if (body.kind === 'bytes') return Readable.from([body.data.subarray(start, end + 1)]);
  return Readable.from(generated(body.seed, start, end));
}

/** AES-128-CTR keystream of a key derived from the seed: seekable, fast, deterministic. */
function* generated(seed: string, start: number, end: number): Generator<Buffer> {
  if (end < start) return;
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const block = Math.floor(start / 16);
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(block), 8);
  const cipher = createCipheriv('aes-128-ctr', key, iv);
  let skip = start - block * 16;
  let remaining = end - start + 1;
  const zeros = Buffer.alloc(CHUNK);
  while (remaining > 0) {
    const want = Math.min(CHUNK, remaining + skip);
    let out = cipher.update(zeros.subarray(0, want));
    if (skip > 0) {
      out = out.subarray(skip);
      skip = 0;
    }
    remaining -= out.length;
    yield out;
  }
}

/** The whole content of a generated body, for tests that compare what was downloaded. */
export function generatedBytes(seed: string, start: number, end: number): Buffer {
  return Buffer.concat([...generated(seed, start, end)]);
}
