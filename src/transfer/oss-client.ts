/**
 * Alibaba Cloud OSS through the official `ali-oss` client, imported on first use (only `export`
 * needs it). Endpoint: `SINDRI_ENDPOINT_OSS`, else `SINDRI_ENDPOINT` (the emulator), else the
 * region's public endpoint `oss-<region>.aliyuncs.com` over HTTPS. An override that is an IP address
 * gets the bucket in the Host header (ali-oss's own behaviour); an override host name is addressed
 * path-style (`/bucket/key`).
 *
 * Requests are signed with signature V4 (`authorizationV4`): OSS no longer accepts V1 from new
 * accounts and for new buckets (OSS notice on the discontinuation of the V1 signature, 2025). V4
 * signs for a region, which ali-oss takes from `region` (`oss-<region>`) even when an endpoint is
 * given. Temporary credentials are renewed through `refreshCredentials` (see credential-renewal.ts).
 */
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import type { ResolvedCredentials } from '../cloud/credentials.ts';
import { parseEndpoint } from '../cloud/endpoints.ts';
import { CloudError } from '../cloud/errors.ts';
import { ossEndpointHost } from './oss-url.ts';

export interface OssEndpoint {
  host: string;
  protocol: 'http' | 'https';
  /** `env:SINDRI_ENDPOINT_OSS`, `env:SINDRI_ENDPOINT` or `region`. */
  source: string;
  pathStyle: boolean;
}

export function resolveOssEndpoint(region: string, env: NodeJS.ProcessEnv): OssEndpoint {
  for (const name of ['SINDRI_ENDPOINT_OSS', 'SINDRI_ENDPOINT']) {
    const v = env[name]?.trim();
    if (!v) continue;
    const e = parseEndpoint(v, name);
    // ali-oss sends the bucket in the Host header to an IP address; any other host is addressed path-style.
    const hostname = e.host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    return { ...e, source: `env:${name}`, pathStyle: isIP(hostname) === 0 };
  }
  return { host: ossEndpointHost(region), protocol: 'https', source: 'region', pathStyle: false };
}

export interface ObjectInfo {
  bucket: string;
  key: string;
  size: number;
  /** As OSS sends it, quotes removed. */
  etag: string;
  /** `x-oss-hash-crc64ecma`, unsigned decimal; absent for some very old objects. */
  crc64?: string;
  /** `Normal`, `Multipart` or `Appendable`. */
  objectType?: string;
  lastModified?: string;
}

export interface ListedObject {
  key: string;
  size: number;
  etag: string;
  lastModified: string;
}

export interface RangeResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  stream: Readable;
}

export interface OssClient {
  readonly endpoint: OssEndpoint;
  head(bucket: string, key: string): Promise<ObjectInfo>;
  /** Every object under a prefix, page by page (marker pagination). */
  list(bucket: string, prefix: string, opts?: { pageSize?: number }): AsyncGenerator<ListedObject>;
  /** GET with `Range: bytes=<start>-` (and `If-Match` when given); the body is a stream. */
  getFrom(bucket: string, key: string, start: number, opts?: { ifMatch?: string }): Promise<RangeResponse>;
  put(bucket: string, key: string, data: Buffer): Promise<{ etag: string; crc64?: string }>;
  delete(bucket: string, key: string): Promise<void>;
}

interface AliOssError {
  name?: string;
  code?: string;
  status?: number;
  message?: string;
  requestId?: string;
}

const HINTS: Record<string, string> = {
  NoSuchBucket: 'check the bucket name and that it is in the same region as the image',
  NoSuchKey: 'the object is not there (yet); list the prefix with the OSS console or ossutil',
  AccessDenied: 'the credentials need oss:GetObject, oss:ListObjects and oss:GetBucketInfo on the bucket',
  SignatureDoesNotMatch: 'check the AccessKey secret',
  InvalidAccessKeyId: 'check the AccessKey ID (or the STS token)',
};

/** An ali-oss failure as a CloudError (product `oss`), keeping only safe fields. */
export function toOssError(err: unknown, action: string): CloudError {
  if (err instanceof CloudError) return err;
  const e = (err ?? {}) as AliOssError;
  const code =
    e.code && e.code !== 'Unknown' ? e.code : e.name && /Error$/.test(e.name) ? e.name : 'OssRequestFailed';
  const status = typeof e.status === 'number' && e.status > 0 ? e.status : undefined;
  const retryable =
    status === undefined ||
    status >= 500 ||
    /timeout|ECONNRESET|socket|ResponseError|ConnectionError/i.test(code);
  const base = String(e.message ?? err).split('\n')[0] ?? '';
  const message = HINTS[code] ? `${base} (${HINTS[code]})` : base;
  return new CloudError({
    code,
    message,
    product: 'oss',
    action,
    retryable,
    ...(e.requestId ? { requestId: e.requestId } : {}),
    ...(status ? { statusCode: status } : {}),
  });
}

function headerString(v: unknown): string | undefined {
  if (Array.isArray(v)) return v[0] === undefined ? undefined : String(v[0]);
  return v === undefined || v === null ? undefined : String(v);
}

type AliOss = {
  head(
    name: string,
    options?: object,
  ): Promise<{ status: number; res: { headers: Record<string, unknown> } }>;
  getStream(
    name: string,
    options?: object,
  ): Promise<{ stream: Readable; res: { status: number; headers: Record<string, string> } }>;
  list(
    query: object,
    options?: object,
  ): Promise<{
    objects?: Array<{ name: string; size: number; etag: string; lastModified: string }>;
    isTruncated: boolean;
    nextMarker?: string | null;
  }>;
  put(name: string, data: Buffer, options?: object): Promise<{ res: { headers: Record<string, unknown> } }>;
  delete(name: string, options?: object): Promise<unknown>;
  useBucket(name: string): void;
};

export type OssCredentials = Pick<ResolvedCredentials, 'accessKeyId' | 'accessKeySecret' | 'securityToken'>;

export interface CreateOssClientOptions {
  credentials: OssCredentials;
  region: string;
  env?: NodeJS.ProcessEnv;
  /** Per-request timeout for anything but a streamed body (default 60 s). */
  timeoutMs?: number;
  /**
   * Temporary credentials (with a security token) only: called before a request at most every
   * `refreshIntervalMs`, it returns the credentials to sign with (renewed when they near expiry).
   */
  refreshCredentials?: () => Promise<OssCredentials>;
  /** How often ali-oss asks `refreshCredentials` (default 60 s; ali-oss's own default is 5 min). */
  refreshIntervalMs?: number;
}

/** ali-oss's `refreshSTSToken` answer: it requires all three fields. */
async function stsTokenOf(refresh: () => Promise<OssCredentials>) {
  const c = await refresh();
  return { accessKeyId: c.accessKeyId, accessKeySecret: c.accessKeySecret, stsToken: c.securityToken ?? '' };
}

export async function createOssClient(opts: CreateOssClientOptions): Promise<OssClient> {
  const endpoint = resolveOssEndpoint(opts.region, opts.env ?? process.env);
  const mod = (await import('ali-oss')) as unknown as { default: new (o: object) => AliOss };
  const OSS = mod.default;
  const byBucket = new Map<string, AliOss>();
  const client = (bucket: string): AliOss => {
    let c = byBucket.get(bucket);
    if (!c) {
      c = new OSS({
        accessKeyId: opts.credentials.accessKeyId,
        accessKeySecret: opts.credentials.accessKeySecret,
        ...(opts.credentials.securityToken ? { stsToken: opts.credentials.securityToken } : {}),
        ...(opts.credentials.securityToken && opts.refreshCredentials
          ? {
              refreshSTSToken: () => stsTokenOf(opts.refreshCredentials as () => Promise<OssCredentials>),
              refreshSTSTokenInterval: opts.refreshIntervalMs ?? 60_000,
            }
          : {}),
        authorizationV4: true,
        region: `oss-${opts.region}`,
        endpoint: `${endpoint.protocol}://${endpoint.host}`,
        secure: endpoint.protocol === 'https',
        sldEnable: endpoint.pathStyle,
        bucket,
        timeout: opts.timeoutMs ?? 60_000,
        // sindri retries itself (resuming where it stopped), never blindly.
        retryMax: 0,
      });
      byBucket.set(bucket, c);
    }
    return c;
  };

  return {
    endpoint,

    async head(bucket, key) {
      try {
        const r = await client(bucket).head(key);
        const h = r.res.headers;
        const crc64 = headerString(h['x-oss-hash-crc64ecma']);
        const objectType = headerString(h['x-oss-object-type']);
        const lastModified = headerString(h['last-modified']);
        return {
          bucket,
          key,
          size: Number(headerString(h['content-length']) ?? 0),
          etag: (headerString(h.etag) ?? '').replace(/"/g, ''),
          ...(crc64 ? { crc64 } : {}),
          ...(objectType ? { objectType } : {}),
          ...(lastModified ? { lastModified } : {}),
        };
      } catch (err) {
        throw toOssError(err, 'HeadObject');
      }
    },

    async *list(bucket, prefix, listOpts = {}) {
      let marker: string | undefined;
      for (;;) {
        let page: Awaited<ReturnType<AliOss['list']>>;
        try {
          // No empty parameters: ali-oss signs `prefix=` where OSS's V4 canonical query has `prefix`.
          page = await client(bucket).list({
            ...(prefix ? { prefix } : {}),
            'max-keys': listOpts.pageSize ?? 1000,
            ...(marker ? { marker } : {}),
          });
        } catch (err) {
          throw toOssError(err, 'ListObjects');
        }
        for (const o of page.objects ?? [])
          yield {
            key: o.name,
            size: Number(o.size),
            etag: o.etag.replace(/"/g, ''),
            lastModified: o.lastModified,
          };
        const last = page.objects?.at(-1)?.name;
        const next = page.nextMarker || last;
        if (!page.isTruncated || !next || next === marker) return;
        marker = next;
      }
    },

    async getFrom(bucket, key, start, getOpts = {}) {
      try {
        const headers: Record<string, string> = { Range: `bytes=${start}-` };
        if (getOpts.ifMatch) headers['If-Match'] = `"${getOpts.ifMatch}"`;
        const r = await client(bucket).getStream(key, { headers });
        return { status: r.res.status, headers: r.res.headers, stream: r.stream };
      } catch (err) {
        const e = toOssError(err, 'GetObject');
        if (e.code !== 'UnknownError' || e.statusCode === undefined) throw e;
        // ali-oss discards the body of a failed streamed GET; a HEAD gets the reason (in x-oss-err).
        try {
          await client(bucket).head(key);
        } catch (headErr) {
          const h = toOssError(headErr, 'GetObject');
          if (h.code !== 'UnknownError') throw h;
        }
        throw e;
      }
    },

    async put(bucket, key, data) {
      try {
        const r = await client(bucket).put(key, data);
        const crc64 = headerString(r.res.headers['x-oss-hash-crc64ecma']);
        return {
          etag: (headerString(r.res.headers.etag) ?? '').replace(/"/g, ''),
          ...(crc64 ? { crc64 } : {}),
        };
      } catch (err) {
        throw toOssError(err, 'PutObject');
      }
    },

    async delete(bucket, key) {
      try {
        await client(bucket).delete(key);
      } catch (err) {
        throw toOssError(err, 'DeleteObject');
      }
    },
  };
}
