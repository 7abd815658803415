/**
 * Who an OSS request comes from: the V4 signature (`OSS4-HMAC-SHA256`) checked against the
 * emulator's access keys, and the STS token of a temporary key. V1 (`OSS AK:sig`) is refused, as
 * for new accounts and new buckets (OSS notice on the discontinuation of the V1 signature).
 */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AccessKeyRecord } from '../accounts.ts';
import type { World } from '../state.ts';
import { OssError } from './errors.ts';
import {
  canonicalRequestV4,
  parseV4Authorization,
  signatureV4,
  stringToSignV4,
  V4_ALGORITHM,
} from './signature-v4.ts';

const REQUEST_TIME_TOLERANCE_MS = 15 * 60 * 1000;

export interface AuthTarget {
  bucket?: string;
  key?: string;
  /** Region of the endpoint the request was addressed to, when the host names one. */
  region?: string;
}

function invalidArgument(message: string, ec?: string): OssError {
  return new OssError(400, 'InvalidArgument', message, ec ? { ec } : {});
}

/** `20250101T120000Z` → epoch ms, or NaN. */
export function parseV4Date(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}

/** The STS token of a temporary key must be sent, be the key's own, and not have expired. */
function checkSecurityToken(world: World, key: AccessKeyRecord, token: string | undefined): void {
  if (key.securityToken === undefined) return;
  if (!token)
    throw new OssError(
      403,
      'InvalidAccessKeyId',
      'The OSS Access Key Id you provided does not exist in our records.',
    );
  if (token !== key.securityToken) {
    const other = [...world.accessKeys.values()].some((k) => k.securityToken === token);
    throw other
      ? new OssError(
          403,
          'AccessKeyIdAndSecurityTokenNotMatch',
          'The OSS access key id and security token you provided does not match.',
        )
      : new OssError(403, 'InvalidSecurityToken', 'The security token you provided is invalid.', {
          ec: '0002-00000006',
        });
  }
  if (key.expiresAt !== undefined && key.expiresAt < Date.now())
    throw new OssError(403, 'SecurityTokenExpired', 'The security token you provided has expired.', {
      ec: '0002-00000007',
    });
}

/**
 * Checks the request's signature and returns the caller. `bucketRegion` is the region of the named
 * bucket, when it exists (the signing region must be the endpoint's).
 */
export function authenticateOss(
  world: World,
  req: IncomingMessage,
  target: AuthTarget,
  bucketRegion: string | undefined,
): { accountId: string; accessKeyId: string } {
  const h = req.headers;
  const auth = String(h.authorization ?? '');
  if (auth === '') throw new OssError(403, 'AccessDenied', 'AccessDenied: anonymous access is not allowed.');
  if (/^OSS [^:\s]+:/.test(auth))
    throw new OssError(
      403,
      'AccessDenied',
      'The V1 signature (Authorization: OSS <AccessKeyId>:<Signature>) is not accepted for this bucket; sign requests with OSS4-HMAC-SHA256.',
    );
  if (!auth.startsWith(`${V4_ALGORITHM} `))
    throw invalidArgument('Authorization header is invalid: unsupported signature algorithm.');
  const parsed = parseV4Authorization(auth);
  if (typeof parsed === 'string') throw invalidArgument(`Authorization header is invalid: ${parsed}.`);

  const datetime = String(h['x-oss-date'] ?? '');
  const ts = parseV4Date(datetime);
  if (Number.isNaN(ts))
    throw new OssError(403, 'AccessDenied', 'Missing or malformed x-oss-date (yyyymmddTHHMMSSZ).');
  if (Math.abs(Date.now() - ts) > REQUEST_TIME_TOLERANCE_MS)
    throw new OssError(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.',
    );
  if (parsed.date !== datetime.slice(0, 8))
    throw invalidArgument('Invalid signing date in Authorization header.');
  if (parsed.product !== 'oss' || parsed.terminator !== 'aliyun_v4_request')
    throw invalidArgument('Invalid Credential in Authorization header: expected .../oss/aliyun_v4_request.');
  if (h['x-oss-content-sha256'] === undefined)
    throw invalidArgument('x-oss-content-sha256 is required with the V4 signature.');

  const key = world.accessKeys.get(parsed.accessKeyId);
  if (!key)
    throw new OssError(
      403,
      'InvalidAccessKeyId',
      'The OSS Access Key Id you provided does not exist in our records.',
      { ec: '0002-00000902' },
    );
  const endpointRegion = target.region ?? bucketRegion;
  if (endpointRegion !== undefined && parsed.region !== endpointRegion)
    throw invalidArgument('Invalid signing region in Authorization header.', '0002-00000226');

  const rawUrl = req.url ?? '/';
  const q = rawUrl.indexOf('?');
  const canonical = canonicalRequestV4({
    method: req.method ?? 'GET',
    bucket: target.bucket,
    key: target.key,
    rawQuery: q === -1 ? '' : rawUrl.slice(q + 1),
    headers: h,
    additionalHeaders: parsed.additionalHeaders,
  });
  const scope = `${parsed.date}/${parsed.region}/${parsed.product}/${parsed.terminator}`;
  const toSign = stringToSignV4(datetime, scope, canonical);
  const expected = Buffer.from(signatureV4(key.secret, parsed.date, parsed.region, parsed.product, toSign));
  const given = Buffer.from(parsed.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new OssError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
      { extra: { StringToSign: toSign } },
    );
  checkSecurityToken(
    world,
    key,
    typeof h['x-oss-security-token'] === 'string' ? h['x-oss-security-token'] : undefined,
  );
  return { accountId: key.principal.accountId, accessKeyId: key.accessKeyId };
}
