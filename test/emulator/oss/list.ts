/** ListObjects (v1): prefix, marker, delimiter, max-keys 1–1000 (default 100), NextMarker when truncated. */
import { el, xml } from './errors.ts';
import type { OssBucket, OssObject, OssStore } from './store.ts';

export function listObjectsXml(store: OssStore, bucket: OssBucket, query: URLSearchParams): string {
  const prefix = query.get('prefix') ?? '';
  const marker = query.get('marker') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = Math.min(1000, Math.max(1, Number(query.get('max-keys') ?? 100) || 100));
  const keys = [...bucket.objects.keys()]
    .filter((k) => k.startsWith(prefix) && k > marker && store.visible(bucket, k))
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
          `<Contents>${el('Key', o.key)}${el('LastModified', new Date(o.lastModified).toISOString())}${el('ETag', o.etag)}${el('Type', o.type)}${el('Size', o.size)}${el('StorageClass', 'Standard')}<Owner>${el('ID', bucket.accountId)}${el('DisplayName', bucket.accountId)}</Owner></Contents>`,
      )
      .join('') +
    prefixes.map((p) => `<CommonPrefixes>${el('Prefix', p)}</CommonPrefixes>`).join('');
  return xml('ListBucketResult', inner);
}
