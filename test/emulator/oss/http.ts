/**
 * The OSS REST subset sindri (through ali-oss) uses: PutBucket, PutObject, GetObject (Range,
 * If-Match), HeadObject, ListObjects (v1, marker pagination), DeleteObject, multipart upload.
 * Requests are signed with OSS signature v1 (`Authorization: OSS AK:sig`) and checked against
 * the emulator's access keys. Addressed path-style (`/bucket/key`, how ali-oss talks to an IP
 * endpoint with `sldEnable`) or virtual-hosted (`Host: bucket.oss-<region>.aliyuncs.com`).
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { buffer } from 'node:stream/consumers';
import type { World } from '../state.ts';
import { bodyStream, type OssBucket, type OssObject, type OssStore } from './store.ts';

/** Query parameters that are part of the signed resource (OSS's sub-resources). */
const SUBRESOURCES = new Set([
  'acl',
  'uploads',
  'location',
  'cors',
  'logging',
  'website',
  'referer',
  'lifecycle',
  'delete',
  'append',
  'tagging',
  'objectMeta',
  'uploadId',
  'partNumber',
  'security-token',
  'position',
  'symlink',
  'restore',
  'versioning',
  'versionId',
  'versions',
  'bucketInfo',
  'stat',
  'x-oss-process',
  'response-content-type',
  'response-content-language',
  'response-expires',
  'response-cache-control',
  'response-content-disposition',
  'response-content-encoding',
]);

const REQUEST_TIME_TOLERANCE_MS = 15 * 60 * 1000;

class OssError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

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

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function xml(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}>${inner}</${root}>`;
}

function el(name: string, value: string | number | boolean): string {
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

function isoDate(ms: number): string {
  return new Date(ms).toISOString();
}

/** Parses `bytes=a-b`, `bytes=a-`, `bytes=-n`; undefined when malformed (OSS then ignores it). */
export function parseRange(
  header: string,
  size: number,
): { start: number; end: number } | 'unsatisfiable' | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== '' && Number(m[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
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
      const accountId = this.authenticate(req, target, query);
      const body = method === 'PUT' || method === 'POST' ? await buffer(req) : Buffer.alloc(0);
      await this.route(req, res, { target, query, accountId, body, requestId, method });
    } catch (err) {
      const e =
        err instanceof OssError
          ? err
          : new OssError(500, 'InternalError', `The emulator failed: ${String(err)}`);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const text =
        method === 'HEAD'
          ? ''
          : xml(
              'Error',
              el('Code', e.code) + el('Message', e.message) + el('RequestId', requestId) + el('HostId', host),
            );
      res.writeHead(e.status, {
        'content-type': 'application/xml',
        'content-length': Buffer.byteLength(text),
        'x-oss-request-id': requestId,
        'x-oss-ec': e.code,
      });
      res.end(text);
    }
  }

  /** Checks OSS signature v1 and returns the caller's account ID. */
  private authenticate(req: IncomingMessage, target: OssTarget, query: URLSearchParams): string {
    const h = req.headers;
    const auth = String(h.authorization ?? '');
    const m = /^OSS ([^:]+):(.+)$/.exec(auth);
    if (!m) {
      if (auth.startsWith('OSS4-HMAC-SHA256'))
        throw new OssError(
          400,
          'InvalidArgument',
          'The emulator checks signature v1 only (ali-oss default).',
        );
      throw new OssError(403, 'AccessDenied', 'AccessDenied: anonymous access is not allowed.');
    }
    const [, accessKeyId, signature] = m as unknown as [string, string, string];
    const key = this.world.accessKeys.get(accessKeyId);
    if (!key)
      throw new OssError(403, 'InvalidAccessKeyId', 'The OSS Access Key Id you provided does not exist.');
    const date = String(h['x-oss-date'] ?? h.date ?? '');
    const ts = Date.parse(date);
    if (!date || Number.isNaN(ts)) throw new OssError(403, 'AccessDenied', 'Missing or malformed date.');
    if (Math.abs(Date.now() - ts) > REQUEST_TIME_TOLERANCE_MS)
      throw new OssError(
        403,
        'RequestTimeTooSkewed',
        'The difference between the request time and the current time is too large.',
      );
    const ossHeaders = Object.keys(h)
      .filter((k) => k.startsWith('x-oss-'))
      .sort()
      .map((k) => `${k}:${String(h[k]).trim()}`);
    const subres = [...query.keys()].filter((k) => SUBRESOURCES.has(k)).sort();
    let resource = '/';
    if (target.bucket) resource += `${target.bucket}/`;
    if (target.key) resource += target.key;
    if (subres.length > 0)
      resource += `?${subres.map((k) => (query.get(k) ? `${k}=${query.get(k)}` : k)).join('&')}`;
    const toSign = [
      req.method ?? 'GET',
      String(h['content-md5'] ?? ''),
      String(h['content-type'] ?? ''),
      date,
      ...ossHeaders,
      resource,
    ].join('\n');
    const expected = createHmac('sha1', key.secret).update(toSign, 'utf8').digest();
    const given = Buffer.from(signature, 'base64');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw new OssError(
        403,
        'SignatureDoesNotMatch',
        'The request signature we calculated does not match the signature you provided.',
      );
    if (key.securityToken !== undefined && h['x-oss-security-token'] !== key.securityToken)
      throw new OssError(403, 'InvalidAccessKeyId', 'The security token you provided is invalid.');
    return key.principal.accountId;
  }

  private bucketOf(name: string | undefined, accountId: string): OssBucket {
    if (!name) throw new OssError(400, 'InvalidBucketName', 'The specified bucket is not valid.');
    const b = this.store.buckets.get(name);
    if (!b) throw new OssError(404, 'NoSuchBucket', 'The specified bucket does not exist.');
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
    const bucket = this.bucketOf(target.bucket, c.accountId);
    const key = target.key ?? '';
    switch (op) {
      case 'ListObjects':
        return send(200, { 'content-type': 'application/xml' }, this.list(bucket, query));
      case 'PutObject': {
        const md5 = req.headers['content-md5'];
        if (md5 && createHash('md5').update(c.body).digest('base64') !== md5)
          throw new OssError(400, 'InvalidDigest', 'The Content-MD5 you specified was invalid.');
        const obj = this.store.putBytes(bucket, key, c.body, {
          contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
        });
        return send(200, { etag: obj.etag, 'x-oss-hash-crc64ecma': await this.store.crc64Of(obj) });
      }
      case 'InitiateMultipartUpload': {
        const uploadId = randomUUID().replace(/-/g, '').toUpperCase();
        bucket.uploads.set(uploadId, {
          uploadId,
          key,
          contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
          parts: new Map(),
        });
        return send(
          200,
          { 'content-type': 'application/xml' },
          xml(
            'InitiateMultipartUploadResult',
            el('Bucket', bucket.name) + el('Key', key) + el('UploadId', uploadId),
          ),
        );
      }
      case 'UploadPart': {
        const upload = this.upload(bucket, key, query);
        const n = Number(query.get('partNumber'));
        if (!Number.isInteger(n) || n < 1 || n > 10000)
          throw new OssError(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000.');
        const etag = `"${createHash('md5').update(c.body).digest('hex').toUpperCase()}"`;
        upload.parts.set(n, { data: c.body, etag });
        return send(200, { etag });
      }
      case 'CompleteMultipartUpload': {
        const upload = this.upload(bucket, key, query);
        const listed = [...c.body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
          n: Number(/<PartNumber>(\d+)<\/PartNumber>/.exec(m[1] as string)?.[1]),
          etag: /<ETag>([\s\S]*?)<\/ETag>/.exec(m[1] as string)?.[1]?.replace(/&quot;/g, '"') ?? '',
        }));
        if (listed.length === 0)
          throw new OssError(400, 'MalformedXML', 'The XML you provided was not well-formed.');
        const datas: Buffer[] = [];
        const md5s: Buffer[] = [];
        let prev = 0;
        for (const p of listed) {
          const part = upload.parts.get(p.n);
          if (!part || part.etag.replace(/"/g, '') !== p.etag.replace(/"/g, '').toUpperCase())
            throw new OssError(
              400,
              'InvalidPart',
              `One or more of the specified parts could not be found (part ${p.n}).`,
            );
          if (p.n <= prev)
            throw new OssError(400, 'InvalidPartOrder', 'The list of parts was not in ascending order.');
          prev = p.n;
          datas.push(part.data);
          md5s.push(Buffer.from(part.etag.replace(/"/g, ''), 'hex'));
        }
        const etag = `"${createHash('md5').update(Buffer.concat(md5s)).digest('hex').toUpperCase()}-${listed.length}"`;
        const obj = this.store.putBytes(bucket, key, Buffer.concat(datas), {
          contentType: upload.contentType,
          etag,
          type: 'Multipart',
        });
        bucket.uploads.delete(upload.uploadId);
        return send(
          200,
          { 'content-type': 'application/xml', etag, 'x-oss-hash-crc64ecma': await this.store.crc64Of(obj) },
          xml(
            'CompleteMultipartUploadResult',
            el('Location', `http://${bucket.name}.oss-${bucket.region}.aliyuncs.com/${key}`) +
              el('Bucket', bucket.name) +
              el('Key', key) +
              el('ETag', etag),
          ),
        );
      }
      case 'AbortMultipartUpload': {
        const upload = this.upload(bucket, key, query);
        bucket.uploads.delete(upload.uploadId);
        return send(204, {});
      }
      case 'DeleteObject':
        bucket.objects.delete(key);
        return send(204, {});
      case 'HeadObject':
      case 'GetObject':
        return this.get(req, res, this.objectOf(bucket, key), op, base, fault);
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

  private upload(bucket: OssBucket, key: string, query: URLSearchParams) {
    const upload = bucket.uploads.get(query.get('uploadId') ?? '');
    if (!upload || upload.key !== key)
      throw new OssError(404, 'NoSuchUpload', 'The specified upload does not exist.');
    return upload;
  }

  private list(bucket: OssBucket, query: URLSearchParams): string {
    const prefix = query.get('prefix') ?? '';
    const marker = query.get('marker') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const maxKeys = Math.min(1000, Math.max(1, Number(query.get('max-keys') ?? 100) || 100));
    const keys = [...bucket.objects.keys()]
      .filter((k) => k.startsWith(prefix) && k > marker && this.store.visible(bucket, k))
      .sort();
    const contents: OssObject[] = [];
    const prefixes: string[] = [];
    let truncated = false;
    let next = '';
    for (const k of keys) {
      let entry: string | OssObject = bucket.objects.get(k) as OssObject;
      if (delimiter) {
        const i = k.indexOf(delimiter, prefix.length);
        if (i !== -1) {
          const cp = k.slice(0, i + delimiter.length);
          if (prefixes.includes(cp)) continue;
          entry = cp;
        }
      }
      if (contents.length + prefixes.length >= maxKeys) {
        truncated = true;
        break;
      }
      if (typeof entry === 'string') prefixes.push(entry);
      else contents.push(entry);
      next = k;
    }
    const inner =
      el('Name', bucket.name) +
      el('Prefix', prefix) +
      el('Marker', marker) +
      el('MaxKeys', maxKeys) +
      el('Delimiter', delimiter) +
      el('IsTruncated', truncated) +
      (truncated ? el('NextMarker', next) : '') +
      contents
        .map(
          (o) =>
            `<Contents>${el('Key', o.key)}${el('LastModified', isoDate(o.lastModified))}${el('ETag', o.etag)}${el('Type', o.type)}${el('Size', o.size)}${el('StorageClass', 'Standard')}<Owner>${el('ID', bucket.accountId)}${el('DisplayName', bucket.accountId)}</Owner></Contents>`,
        )
        .join('') +
      prefixes.map((p) => `<CommonPrefixes>${el('Prefix', p)}</CommonPrefixes>`).join('');
    return xml('ListBucketResult', inner);
  }

  private async get(
    req: IncomingMessage,
    res: ServerResponse,
    obj: OssObject,
    op: string,
    base: Record<string, string>,
    fault: ReturnType<OssStore['pickFault']>,
  ): Promise<void> {
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
    let range = rangeHeader && !fault?.ignoreRange ? parseRange(rangeHeader, obj.size) : undefined;
    if (range === 'unsatisfiable') {
      if (op === 'GetObject') this.store.getLog.push({ key: obj.key, range: rangeHeader, status: 416 });
      throw new OssError(416, 'InvalidRange', 'The requested range cannot be satisfied.');
    }
    if (obj.size === 0) range = undefined;
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
    this.store.getLog.push({ key: obj.key, range: rangeHeader, status });
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
