/**
 * The OSS REST subset sindri (through ali-oss) uses: PutBucket, PutObject, GetObject (Range,
 * If-Match), HeadObject, ListObjects (v1, marker pagination), DeleteObject, multipart upload.
 * Requests are signed with OSS signature V4 (`auth.ts`). Addressed path-style (`/bucket/key`, how
 * ali-oss talks to a host-name endpoint with `sldEnable`) or virtual-hosted
 * (`Host: bucket.oss-<region>.aliyuncs.com`, how it talks to an IP endpoint).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buffer } from 'node:stream/consumers';
import type { World } from '../state.ts';
import { authenticateOss } from './auth.ts';
import { errorBody, OssError } from './errors.ts';
import { listObjectsXml } from './list.ts';
import { multipartOperation } from './multipart.ts';
import { answerRange } from './range.ts';
import { bodyStream, type OssBucket, type OssObject, type OssStore } from './store.ts';

export interface OssTarget {
  bucket?: string;
  key?: string;
  /** Region from the host name, when virtual-hosted. */
  region?: string;
}

/** Whether a request is for OSS, and which bucket/key it names. */
export function ossTarget(req: IncomingMessage): OssTarget | undefined {
  const rawUrl = req.url ?? '/';
  const proxied = /^https?:\/\//i.test(rawUrl);
  const url = new URL(proxied ? rawUrl : `http://${req.headers.host ?? 'localhost'}${rawUrl}`);
  const host = url.hostname.toLowerCase();
  const vh = /^(?:([a-z0-9-]+)\.)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com$/.exec(host);
  const path = url.pathname;
  if (vh) {
    const key = decodeURIComponent(path.slice(1));
    return {
      ...(vh[1] ? { bucket: vh[1] } : {}),
      ...(key ? { key } : {}),
      region: vh[2] as string,
    };
  }
  if (proxied) return undefined;
  // Path style on the emulator's own address: anything but `/` (RPC) and `/__admin`.
  const auth = String(req.headers.authorization ?? '');
  if (path === '/' || path.startsWith('/__admin')) return undefined;
  if (!auth.startsWith('OSS') && req.headers['x-oss-date'] === undefined) return undefined;
  const slash = path.indexOf('/', 1);
  const bucket = decodeURIComponent(slash === -1 ? path.slice(1) : path.slice(1, slash));
  const key = slash === -1 ? '' : decodeURIComponent(path.slice(slash + 1));
  return { bucket, ...(key ? { key } : {}) };
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

export class OssServer {
  readonly store: OssStore;
  readonly world: World;

  constructor(store: OssStore) {
    this.store = store;
    this.world = store.world;
  }

  async handle(req: IncomingMessage, res: ServerResponse, target: OssTarget): Promise<void> {
    const requestId = randomUUID().replace(/-/g, '').toUpperCase().slice(0, 24);
    const method = req.method ?? 'GET';
    const host = String(req.headers.host ?? '');
    try {
      const url = new URL(req.url ?? '/', 'http://oss.invalid');
      const query = url.searchParams;
      const bucketRegion = target.bucket ? this.store.buckets.get(target.bucket)?.region : undefined;
      const caller = authenticateOss(this.world, req, target, bucketRegion);
      const body = method === 'PUT' || method === 'POST' ? await buffer(req) : Buffer.alloc(0);
      await this.route(req, res, {
        target,
        query,
        accountId: caller.accountId,
        accessKeyId: caller.accessKeyId,
        body,
        requestId,
        method,
      });
    } catch (err) {
      const e =
        err instanceof OssError
          ? err
          : new OssError(500, 'InternalError', `The emulator failed: ${String(err)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const body = errorBody(e, requestId, host);
      // A HEAD answer has no body: the error document travels base64-encoded in x-oss-err.
      const text = method === 'HEAD' ? '' : body;
      res.writeHead(e.status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(text),
        'x-oss-request-id': requestId,
        ...(e.ec ? { 'x-oss-ec': e.ec } : {}),
        ...(method === 'HEAD' ? { 'x-oss-err': Buffer.from(body).toString('base64') } : {}),
      });
      res.end(text);
    }
  }

  private bucketOf(target: OssTarget, accountId: string): OssBucket {
    const name = target.bucket;
    if (!name) throw new OssError(400, 'InvalidBucketName', 'The specified bucket is not valid.');
    const b = this.store.buckets.get(name);
    if (!b) throw new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.');
    if (target.region !== undefined && target.region !== b.region)
      throw new OssError(
        403,
        'AccessDenied',
        'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
        { extra: { Bucket: b.name, Endpoint: `oss-${b.region}.aliyuncs.com` } },
      );
    if (b.accountId !== accountId)
      throw new OssError(403, 'AccessDenied', 'You have no right to access this bucket.');
    return b;
  }

  private objectOf(bucket: OssBucket, key: string): OssObject {
    const o = this.store.visible(bucket, key);
    if (!o) throw new OssError(404, 'NoSuchKey', 'The specified key does not exist.');
    return o;
  }

  private async route(
    req: IncomingMessage,
    res: ServerResponse,
    c: {
      target: OssTarget;
      query: URLSearchParams;
      accountId: string;
      accessKeyId: string;
      body: Buffer;
      requestId: string;
      method: string;
    },
  ): Promise<void> {
    const { target, query, method, requestId } = c;
    const base = { 'x-oss-request-id': requestId, server: 'AliyunOSS' };
    const send = (status: number, headers: Record<string, string | number>, text = '') => {
      res.writeHead(status, { ...base, 'content-length': Buffer.byteLength(text), ...headers });
      res.end(text);
    };
    const op = this.operation(method, target, query);
    const fault = this.store.pickFault(op, target.key);
    if (fault?.status)
      throw new OssError(fault.status, fault.code ?? 'InternalError', `Injected fault ${fault.id}`);

    if (op === 'PutBucket') {
      if (!target.bucket) throw new OssError(400, 'InvalidBucketName', 'The specified bucket is not valid.');
      const existing = this.store.buckets.get(target.bucket);
      if (existing && existing.accountId !== c.accountId)
        throw new OssError(409, 'BucketAlreadyExists', 'The requested bucket name is not available.');
      this.store.createBucket(target.bucket, target.region ?? 'cn-hangzhou', c.accountId);
      return send(200, {});
    }
    const bucket = this.bucketOf(target, c.accountId);
    const key = target.key ?? '';
    switch (op) {
      case 'ListObjects':
        return send(200, { 'content-type': 'application/xml' }, listObjectsXml(this.store, bucket, query));
      case 'PutObject': {
        const md5 = req.headers['content-md5'];
        if (md5 && createHash('md5').update(c.body).digest('base64') !== md5)
          throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
        const obj = this.store.putBytes(bucket, key, c.body, {
          contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
        });
        return send(200, { etag: obj.etag, 'x-oss-hash-crc64ecma': await this.store.crc64Of(obj) });
      }
      case 'InitiateMultipartUpload':
      case 'UploadPart':
      case 'CompleteMultipartUpload':
      case 'AbortMultipartUpload': {
        const r = await multipartOperation(op, this.store, bucket, key, {
          query,
          body: c.body,
          contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
        });
        return send(r.status, r.headers, r.text);
      }
      case 'DeleteObject':
        bucket.objects.delete(key);
        return send(204, {});
      case 'HeadObject':
      case 'GetObject':
        return this.get(req, res, this.objectOf(bucket, key), {
          op,
          base,
          fault,
          accessKeyId: c.accessKeyId,
        });
      default:
        throw new OssError(405, 'MethodNotAllowed', `The emulator does not support ${method} here.`);
    }
  }

  private operation(method: string, target: OssTarget, query: URLSearchParams): string {
    if (!target.key) {
      if (method === 'PUT') return 'PutBucket';
      if (method === 'GET') return 'ListObjects';
      return `${method}Bucket`;
    }
    if (method === 'POST' && query.has('uploads')) return 'InitiateMultipartUpload';
    if (method === 'PUT' && query.has('uploadId')) return 'UploadPart';
    if (method === 'POST' && query.has('uploadId')) return 'CompleteMultipartUpload';
    if (method === 'DELETE' && query.has('uploadId')) return 'AbortMultipartUpload';
    if (method === 'PUT') return 'PutObject';
    if (method === 'DELETE') return 'DeleteObject';
    if (method === 'HEAD') return 'HeadObject';
    if (method === 'GET') return 'GetObject';
    return method;
  }

  private async get(
    req: IncomingMessage,
    res: ServerResponse,
    obj: OssObject,
    c: {
      op: string;
      base: Record<string, string>;
      fault: ReturnType<OssStore['pickFault']>;
      accessKeyId: string;
    },
  ): Promise<void> {
    const { op, base, fault } = c;
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== obj.etag && ifMatch !== obj.etag.replace(/"/g, ''))
      throw new OssError(
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold.',
      );
    const headers: Record<string, string | number> = {
      ...base,
      'content-type': obj.contentType,
      etag: obj.etag,
      'last-modified': httpDate(obj.lastModified),
      'accept-ranges': 'bytes',
      'x-oss-object-type': obj.type,
      'x-oss-storage-class': 'Standard',
      'x-oss-hash-crc64ecma': await this.store.crc64Of(obj),
    };
    const rangeHeader = req.headers.range;
    const log = (status: number) =>
      this.store.getLog.push({ key: obj.key, range: rangeHeader, status, accessKeyId: c.accessKeyId });
    const standard = req.headers['x-oss-range-behavior'] === 'standard';
    const answer =
      rangeHeader && !fault?.ignoreRange ? answerRange(rangeHeader, obj.size, standard) : undefined;
    if (answer?.kind === 'unsatisfiable') {
      if (op === 'GetObject') log(416);
      throw new OssError(416, 'InvalidRange', 'The requested range cannot be satisfied');
    }
    const range = answer?.kind === 'partial' ? answer : undefined;
    const start = range?.start ?? 0;
    const end = range?.end ?? obj.size - 1;
    const status = range ? 206 : 200;
    headers['content-length'] = Math.max(0, end - start + 1);
    if (range) headers['content-range'] = `bytes ${start}-${end}/${obj.size}`;
    res.writeHead(status, headers);
    if (op === 'HeadObject') {
      res.end();
      return;
    }
    log(status);
    const limit = fault?.dropAfterBytes;
    let sent = 0;
    const stream = bodyStream(obj.body, start, end);
    for await (const chunk of stream) {
      let piece = chunk as Buffer;
      if (limit !== undefined && sent + piece.length >= limit) {
        piece = piece.subarray(0, Math.max(0, limit - sent));
        if (piece.length > 0) await writeAsync(res, piece);
        // Let the bytes reach the client before the connection goes away mid-body.
        await new Promise((r) => setTimeout(r, 20));
        res.socket?.destroy();
        stream.destroy();
        return;
      }
      sent += piece.length;
      if (res.destroyed) {
        stream.destroy();
        return;
      }
      await writeAsync(res, piece);
    }
    res.end();
  }
}

function writeAsync(res: ServerResponse, chunk: Buffer): Promise<void> {
  return new Promise((resolve) => {
    if (res.write(chunk)) resolve();
    else {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.once('drain', done);
      res.once('close', done);
    }
  });
}
