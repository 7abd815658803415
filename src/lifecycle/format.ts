/** Terminal output of the lifecycle commands. The table library is imported only when a table is printed. */
import type { ImageRow } from '../images/images.ts';

export const IMAGE_COLUMNS = [
  'IMAGE ID',
  'NAME',
  'REGION',
  'STATUS',
  'CREATED',
  'SIZE',
  'ENCRYPTED',
  'SHARED',
  'CONFIG HASH',
  'DEPRECATED',
] as const;

/** `2024-01-30T12:34:56Z` → `2024-01-30 12:34` (UTC); anything unparsable is shown as is. */
export function shortTime(iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return iso;
  return new Date(t).toISOString().slice(0, 16).replace('T', ' ');
}

export function imageCells(row: ImageRow): string[] {
  return [
    row.imageId,
    row.name,
    row.region,
    row.status,
    shortTime(row.created),
    `${row.sizeGiB} GiB`,
    row.encrypted ? 'yes' : 'no',
    row.sharedAccounts.length === 0 ? '-' : String(row.sharedAccounts.length),
    row.configHash ? row.configHash.slice(0, 12) : '-',
    row.deprecated ? 'yes' : 'no',
  ];
}

/** A plain table (no colours, so it pipes cleanly). */
export async function renderTable(head: readonly string[], rows: string[][]): Promise<string> {
  const { default: Table } = await import('cli-table3');
  const table = new Table({ head: [...head], style: { head: [], border: [], compact: true } });
  table.push(...rows);
  return table.toString();
}

export async function renderImageTable(rows: ImageRow[]): Promise<string> {
  return renderTable(IMAGE_COLUMNS, rows.map(imageCells));
}
