import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** RFC 3986 percent-encoding as both Alibaba signature schemes use it. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** v1 (HMAC-SHA1) signature over all parameters except `Signature`. */
export function signV1(method: string, params: Record<string, string>, secret: string): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(params[k] ?? '')}`)
    .join('&');
  const stringToSign = `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonical)}`;
  return createHmac('sha1', `${secret}&`).update(stringToSign).digest('base64');
}

export function verifyV1(method: string, params: Record<string, string>, secret: string): boolean {
  const given = params.Signature ?? '';
  return safeEqual(signV1(method, params, secret), given);
}

export interface Acs3Authorization {
  algorithm: string;
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

export function parseAcs3Authorization(header: string): Acs3Authorization | undefined {
  const m = /^(ACS3-[A-Z0-9-]+)\s+(.*)$/.exec(header.trim());
  if (!m) return undefined;
  const fields: Record<string, string> = {};
  for (const part of (m[2] ?? '').split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  if (!fields.Credential || !fields.Signature || fields.SignedHeaders === undefined) return undefined;
  return {
    algorithm: m[1] ?? '',
    accessKeyId: fields.Credential,
    signedHeaders: fields.SignedHeaders.split(';').filter(Boolean),
    signature: fields.Signature,
  };
}

export interface Acs3Input {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  signedHeaders: string[];
  payloadHash: string;
}

export function signAcs3(input: Acs3Input, secret: string): string {
  const query = Object.keys(input.query)
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(input.query[k] ?? '')}`)
    .join('&');
  const names = [...input.signedHeaders].map((h) => h.toLowerCase()).sort();
  const headerLines = names
    .map((name) => {
      const raw = input.headers[name];
      const value = Array.isArray(raw)
        ? raw
            .map((v) => v.trim())
            .sort()
            .join(',')
        : (raw ?? '').trim();
      return `${name}:${value}\n`;
    })
    .join('');
  const canonicalRequest = [
    input.method.toUpperCase(),
    input.path || '/',
    query,
    headerLines,
    names.join(';'),
    input.payloadHash,
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

export function verifyAcs3(input: Acs3Input, secret: string, signature: string): boolean {
  return safeEqual(signAcs3(input, secret), signature.toLowerCase());
}

export const sha256Hex = (body: Buffer): string => createHash('sha256').update(body).digest('hex');
