/** `oss://bucket/key` URLs: parsing with errors that say what is wrong, and formatting. */
import { UsageError } from '../errors.ts';

export interface OssLocation {
  bucket: string;
  /** The object key or key prefix, without a leading slash; may be empty. */
  key: string;
}

/**
 * OSS bucket naming rules: 3–63 characters, lowercase letters, digits and hyphens, starting and
 * ending with a letter or digit.
 */
export function bucketNameProblem(bucket: string): string | undefined {
  if (bucket.length < 3 || bucket.length > 63) return 'must be 3 to 63 characters long';
  if (!/^[a-z0-9-]+$/.test(bucket)) return 'may contain only lowercase letters, digits and hyphens';
  if (!/^[a-z0-9]/.test(bucket) || !/[a-z0-9]$/.test(bucket))
    return 'must start and end with a lowercase letter or a digit';
  return undefined;
}

/** Object keys: 1–1023 bytes of UTF-8, not starting with `/` or `\`. */
export function keyProblem(key: string): string | undefined {
  if (Buffer.byteLength(key, 'utf8') > 1023) return 'is longer than 1023 bytes';
  if (key.startsWith('\\')) return 'must not start with a backslash';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(key)) return 'must not contain control characters';
  return undefined;
}

/**
 * Parses `oss://bucket`, `oss://bucket/`, `oss://bucket/prefix/` or `oss://bucket/path/object`.
 * Throws a UsageError (exit 2) naming the problem.
 */
export function parseOssUrl(value: string, what = 'OSS URL'): OssLocation {
  const raw = value.trim();
  const example = 'expected oss://BUCKET/PREFIX/, e.g. oss://my-images/exports/';
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(raw);
  if (!m) throw new UsageError(`${what} "${raw}" is not an oss:// URL.`, example);
  if ((m[1] as string).toLowerCase() !== 'oss')
    throw new UsageError(`${what} "${raw}" uses ${m[1]}://; only oss:// is supported.`, example);
  const rest = m[2] as string;
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  const key = slash === -1 ? '' : rest.slice(slash + 1);
  if (!bucket) throw new UsageError(`${what} "${raw}" has no bucket name.`, example);
  if (/[?#]/.test(rest))
    throw new UsageError(`${what} "${raw}" must not contain a query or fragment (? or #).`, example);
  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem) throw new UsageError(`bucket name "${bucket}" in ${what} ${bucketProblem}.`, example);
  if (key.startsWith('/'))
    throw new UsageError(`${what} "${raw}" has an empty path segment after the bucket.`, example);
  const problem = keyProblem(key);
  if (problem) throw new UsageError(`the key in ${what} "${raw}" ${problem}.`, example);
  return { bucket, key };
}

export function formatOssUrl(loc: OssLocation): string {
  return `oss://${loc.bucket}/${loc.key}`;
}

/** The OSS endpoint host of a region: `oss-cn-hangzhou.aliyuncs.com` (`-internal` inside the region's VPC). */
export function ossEndpointHost(region: string, internal = false): string {
  if (!/^[a-z0-9-]+$/.test(region)) throw new UsageError(`"${region}" is not a region ID.`);
  return `oss-${region}${internal ? '-internal' : ''}.aliyuncs.com`;
}
