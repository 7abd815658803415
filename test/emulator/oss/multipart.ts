/**
 * Multipart upload: InitiateMultipartUpload, UploadPart (partNumber 1–10000), CompleteMultipartUpload
 * (parts ascending, each uploaded with that ETag; the object's ETag is the MD5 of the part MD5s and
 * `-<parts>`), AbortMultipartUpload. Sources in docs/emulator.md (rows "UploadPart", "Complete…").
 */
import { createHash, randomUUID } from 'node:crypto';
import { el, OssError, xml } from './errors.ts';
import type { MultipartUpload, OssBucket, OssStore } from './store.ts';

export interface OperationAnswer {
  status: number;
  headers: Record<string, string | number>;
  text?: string;
}

function uploadOf(bucket: OssBucket, key: string, query: URLSearchParams): MultipartUpload {
  const upload = bucket.uploads.get(query.get('uploadId') ?? '');
  if (!upload || upload.key !== key)
    throw new OssError(404, 'NoSuchUpload', 'The specified upload does not exist.');
  return upload;
}

function initiate(bucket: OssBucket, key: string, contentType: string): OperationAnswer {
  const uploadId = randomUUID().replace(/-/g, '').toUpperCase();
  bucket.uploads.set(uploadId, { uploadId, key, contentType, parts: new Map() });
  return {
    status: 200,
    headers: { 'content-type': 'application/xml' },
    text: xml(
      'InitiateMultipartUploadResult',
      el('Bucket', bucket.name) + el('Key', key) + el('UploadId', uploadId),
    ),
  };
}

function uploadPart(upload: MultipartUpload, query: URLSearchParams, body: Buffer): OperationAnswer {
  const n = Number(query.get('partNumber'));
  if (!Number.isInteger(n) || n < 1 || n > 10000)
    throw new OssError(400, 'InvalidArgument', 'Part number must be an integer between 1 and 10000.');
  const etag = `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
  upload.parts.set(n, { data: body, etag });
  return { status: 200, headers: { etag } };
}

async function complete(
  store: OssStore,
  bucket: OssBucket,
  upload: MultipartUpload,
  body: Buffer,
): Promise<OperationAnswer> {
  const listed = [...body.toString('utf8').matchAll(/<Part>([\s\S]*?)<\/Part>/g)].map((m) => ({
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
  const key = upload.key;
  const obj = store.putBytes(bucket, key, Buffer.concat(datas), {
    contentType: upload.contentType,
    etag,
    type: 'Multipart',
  });
  bucket.uploads.delete(upload.uploadId);
  return {
    status: 200,
    headers: { 'content-type': 'application/xml', etag, 'x-oss-hash-crc64ecma': await store.crc64Of(obj) },
    text: xml(
      'CompleteMultipartUploadResult',
      el('Location', `http://${bucket.name}.oss-${bucket.region}.aliyuncs.com/${key}`) +
        el('Bucket', bucket.name) +
        el('Key', key) +
        el('ETag', etag),
    ),
  };
}

export async function multipartOperation(
  op: string,
  store: OssStore,
  bucket: OssBucket,
  key: string,
  req: { query: URLSearchParams; body: Buffer; contentType: string },
): Promise<OperationAnswer> {
  if (op === 'InitiateMultipartUpload') return initiate(bucket, key, req.contentType);
  const upload = uploadOf(bucket, key, req.query);
  if (op === 'UploadPart') return uploadPart(upload, req.query, req.body);
  if (op === 'CompleteMultipartUpload') return complete(store, bucket, upload, req.body);
  bucket.uploads.delete(upload.uploadId);
  return { status: 204, headers: {} };
}
