/**
 * OSS signature V4 (`OSS4-HMAC-SHA256`), computed the way the server checks it. Sources: the OSS
 * page "Include a V4 signature in the Authorization header", ali-oss 6.23 `lib/common/signUtils.js`
 * (`getCanonicalRequest`, `getStringToSign`, `getSignatureV4`, `authorizationV4`) and the official
 * Go SDK v2 `oss/signer/v4.go` (`calcCanonicalRequest`: a query parameter with an empty value is
 * written as its key alone).
 */
import { createHash, createHmac } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export const V4_ALGORITHM = 'OSS4-HMAC-SHA256';

export interface V4Authorization {
  accessKeyId: string;
  /** `yyyymmdd` */
  date: string;
  region: string;
  product: string;
  terminator: string;
  additionalHeaders: string[];
  signature: string;
}

/**
 * Parses `OSS4-HMAC-SHA256 Credential=AK/20250101/cn-hangzhou/oss/aliyun_v4_request,
 * [AdditionalHeaders=host;range,]Signature=<hex>`; the fields may be separated by `,` or `, `.
 * Returns what is wrong when it cannot be parsed.
 */
export function parseV4Authorization(header: string): V4Authorization | string {
  if (!header.startsWith(`${V4_ALGORITHM} `)) return 'the algorithm is not OSS4-HMAC-SHA256';
  const fields = new Map<string, string>();
  for (const part of header.slice(V4_ALGORITHM.length + 1).split(',')) {
    const i = part.indexOf('=');
    if (i <= 0) return `"${part.trim()}" is not a key=value field`;
    fields.set(part.slice(0, i).trim(), part.slice(i + 1).trim());
  }
  const credential = fields.get('Credential');
  const signature = fields.get('Signature');
  if (!credential) return 'the Credential field is missing';
  if (!signature || !/^[0-9a-f]{64}$/.test(signature))
    return 'the Signature field is missing or not 64 hex digits';
  const scope = credential.split('/');
  if (scope.length !== 5 || scope.some((s) => s === ''))
    return 'Credential is not <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request';
  const [accessKeyId, date, region, product, terminator] = scope as [string, string, string, string, string];
  if (!/^\d{8}$/.test(date)) return 'the Credential date is not yyyymmdd';
  const additional = fields.get('AdditionalHeaders');
  if (additional === '') return 'the AdditionalHeaders field is empty';
  return {
    accessKeyId,
    date,
    region,
    product,
    terminator,
    additionalHeaders: additional ? additional.split(';').map((h) => h.trim().toLowerCase()) : [],
    signature,
  };
}

/** RFC 3986 percent-encoding: everything but `A-Z a-z 0-9 - . _ ~`. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    return s;
  }
}

/** Sorted, re-encoded `key=value` pairs; a parameter with an empty value is its key alone. */
export function canonicalQueryV4(rawQuery: string): string {
  const pairs = rawQuery
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      const i = p.indexOf('=');
      const key = rfc3986(decode(i === -1 ? p : p.slice(0, i)));
      const value = i === -1 ? '' : rfc3986(decode(p.slice(i + 1)));
      return { key, value };
    });
  pairs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return pairs.map((p) => (p.value === '' ? p.key : `${p.key}=${p.value}`)).join('&');
}

function headerValue(v: string | string[] | undefined): string {
  return (Array.isArray(v) ? v.map((x) => x.trim()).join(',') : (v ?? '')).trim();
}

export interface CanonicalRequestInput {
  method: string;
  bucket: string | undefined;
  key: string | undefined;
  rawQuery: string;
  headers: IncomingHttpHeaders;
  additionalHeaders: readonly string[];
}

/**
 * Method, URI-encoded `/bucket/key` (slashes kept), canonical query, canonical headers
 * (`content-type`, `content-md5`, every `x-oss-*` and the additional headers, `name:value\n`
 * sorted), the additional header names, and the payload hash (`x-oss-content-sha256`).
 */
export function canonicalRequestV4(r: CanonicalRequestInput): string {
  const uri = `/${r.bucket ? `${r.bucket}/` : ''}${r.key ?? ''}`;
  const canonicalUri = rfc3986(uri).replace(/%2F/g, '/');
  const names = Object.keys(r.headers)
    .map((h) => h.toLowerCase())
    .filter(
      (h) =>
        h === 'content-type' ||
        h === 'content-md5' ||
        h.startsWith('x-oss-') ||
        r.additionalHeaders.includes(h),
    )
    .sort();
  const canonicalHeaders = names.map((h) => `${h}:${headerValue(r.headers[h])}\n`).join('');
  return [
    r.method.toUpperCase(),
    canonicalUri,
    canonicalQueryV4(r.rawQuery),
    canonicalHeaders,
    r.additionalHeaders.join(';'),
    headerValue(r.headers['x-oss-content-sha256']) || 'UNSIGNED-PAYLOAD',
  ].join('\n');
}

export function stringToSignV4(datetime: string, scope: string, canonicalRequest: string): string {
  const hash = createHash('sha256').update(canonicalRequest).digest('hex');
  return [V4_ALGORITHM, datetime, scope, hash].join('\n');
}

/** HMAC-SHA256 chained from `aliyun_v4<secret>` through date, region, product and `aliyun_v4_request`. */
export function signatureV4(
  secret: string,
  date: string,
  region: string,
  product: string,
  stringToSign: string,
): string {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  let key = hmac(`aliyun_v4${secret}`, date);
  key = hmac(key, region);
  key = hmac(key, product);
  key = hmac(key, 'aliyun_v4_request');
  return createHmac('sha256', key).update(stringToSign).digest('hex');
}
