/**
 * `--to oss://BUCKET[/PREFIX]` for ExportImage. PREFIX is ExportImage's `OSSPrefix`: 1 to 30 letters
 * and digits that start the object's name (`<prefix>_<imageId>_system.raw.tar.gz`), not a directory
 * (ExportImage API reference; `InvalidOSSPrefix.Malformed`). Anything else exits 2 before any call,
 * naming the flag and suggesting a prefix that would do.
 */
import { UsageError } from '../errors.ts';
import { exportStem, OSS_PREFIX_RULE } from './export-format.ts';
import { formatOssUrl, parseOssUrl } from './oss-url.ts';

export interface ExportTarget {
  bucket: string;
  /** `OSSPrefix`, when one was given. */
  prefix: string | undefined;
}

/** The prefix with everything but letters and digits removed, cut to 30 characters. */
export function cleanPrefix(raw: string): string {
  return raw.replace(/[^A-Za-z0-9]/g, '').slice(0, 30);
}

export function parseExportTarget(value: string, flag = '--to'): ExportTarget {
  const loc = parseOssUrl(value, flag);
  if (loc.key === '') return { bucket: loc.bucket, prefix: undefined };
  if (OSS_PREFIX_RULE.test(loc.key)) return { bucket: loc.bucket, prefix: loc.key };
  const cleaned = cleanPrefix(loc.key);
  const why = loc.key.includes('/')
    ? 'is not a directory'
    : loc.key.length > 30
      ? 'is longer than 30 characters'
      : 'may contain only letters and digits';
  const suggestion = formatOssUrl({ bucket: loc.bucket, key: cleaned }).replace(/\/$/, '');
  throw new UsageError(
    `${flag} ${value.trim()}: the prefix "${loc.key}" ${why}. ExportImage takes a name prefix of 1 to 30 letters and digits and names the object <prefix>_<image-id>_system.raw.tar.gz.`,
    cleaned
      ? `use ${flag} ${suggestion} (objects ${cleaned}_<image-id>_system.*)`
      : `use ${flag} oss://${loc.bucket} (no prefix) or a prefix such as ${flag} oss://${loc.bucket}/exports`,
  );
}

/** `oss://bucket/<prefix>_<imageId>` (what every object of the export starts with). */
export function exportUrlStem(target: ExportTarget, imageId: string): string {
  return formatOssUrl({ bucket: target.bucket, key: `${exportStem(imageId, target.prefix)}_` });
}
