/** Terminal output of the lifecycle commands: the columns of `sindri packer list` (drawn by src/cli/table.ts). */
import type { ImageRow } from '../images/images.ts';

/** `2024-01-30T12:34:56Z` → `2024-01-30 12:34` (UTC); anything unparsable is shown as is. */
export function shortTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');

/**
 * The image table's columns: `key` for --columns and --sort, the heading, the raw value (CSV, JSON,
 * YAML, sorting) and the cell a person reads.
 */
export const IMAGE_COLUMNS: ReadonlyArray<{
  key: string;
  header: string;
  value(row: ImageRow): string | number | boolean | null;
  cell?(row: ImageRow): string;
}> = [
  { key: 'image-id', header: 'IMAGE ID', value: (r) => r.imageId },
  { key: 'name', header: 'NAME', value: (r) => r.name },
  { key: 'region', header: 'REGION', value: (r) => r.region },
  { key: 'status', header: 'STATUS', value: (r) => r.status },
  { key: 'created', header: 'CREATED', value: (r) => r.created, cell: (r) => shortTime(r.created) },
  { key: 'size', header: 'SIZE', value: (r) => r.sizeGiB, cell: (r) => `${r.sizeGiB} GiB` },
  { key: 'encrypted', header: 'ENCRYPTED', value: (r) => r.encrypted, cell: (r) => yesNo(r.encrypted) },
  {
    key: 'shared',
    header: 'SHARED',
    value: (r) => r.sharedAccounts.length,
    cell: (r) => (r.sharedAccounts.length === 0 ? '-' : String(r.sharedAccounts.length)),
  },
  {
    key: 'config-hash',
    header: 'CONFIG HASH',
    value: (r) => r.configHash ?? null,
    cell: (r) => (r.configHash ? r.configHash.slice(0, 12) : '-'),
  },
  { key: 'deprecated', header: 'DEPRECATED', value: (r) => r.deprecated, cell: (r) => yesNo(r.deprecated) },
];
