/**
 * Tables of results on stdout, one helper for every command: on a terminal fitted to its width (long
 * cells cut with …), plain aligned text when piped (nothing cut, no colour), or CSV, JSON or YAML with
 * `--output`; `--columns`, `--sort` and `--no-header` choose what is shown.
 */
import { Flags } from '@oclif/core';
import stringWidth from 'string-width';
import { UsageError } from '../errors.ts';
import { bold } from './color.ts';

/** A column: its key for --columns and --sort, its heading, the raw value (CSV/JSON/YAML) and the cell text. */
export interface Column<T> {
  key: string;
  header: string;
  value(row: T): string | number | boolean | null;
  cell?(row: T): string;
}

export const OUTPUT_FORMATS = ['table', 'csv', 'json', 'yaml'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

/** The flags of a command that prints a table. */
export const tableFlags = {
  columns: Flags.string({
    description: 'Only these columns, in this order (comma-separated keys, e.g. image-id,name,region)',
    helpGroup: 'OUTPUT',
  }),
  sort: Flags.string({
    description: 'Sort by this column (its key; a leading - sorts descending, e.g. -created)',
    helpGroup: 'OUTPUT',
  }),
  header: Flags.boolean({
    description: 'Print the header row (--no-header omits it)',
    default: true,
    allowNo: true,
    helpGroup: 'OUTPUT',
  }),
  output: Flags.string({
    description: 'How to print the rows: a table, or CSV, JSON or YAML for other programs',
    options: [...OUTPUT_FORMATS],
    default: 'table',
    helpGroup: 'OUTPUT',
  }),
};

export interface TableOptions {
  columns?: string | undefined;
  sort?: string | undefined;
  header?: boolean;
  output?: string;
  /** The terminal's width, when stdout is one; undefined when piped (nothing is cut). */
  width?: number | undefined;
  /** Headings in bold (a terminal with colour on). */
  color?: boolean;
}

const keyOf = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '-');

function pick<T>(all: readonly Column<T>[], spec: string | undefined): Column<T>[] {
  if (spec === undefined || spec.trim() === '') return [...all];
  return spec
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => {
      const found = all.find((c) => c.key === keyOf(s) || keyOf(c.header) === keyOf(s));
      if (!found)
        throw new UsageError(
          `--columns: no column "${s.trim()}"`,
          `the columns are ${all.map((c) => c.key).join(', ')}`,
        );
      return found;
    });
}

function sorted<T>(rows: readonly T[], all: readonly Column<T>[], spec: string | undefined): T[] {
  if (spec === undefined || spec.trim() === '') return [...rows];
  const descending = spec.trim().startsWith('-');
  const name = spec.trim().replace(/^[-+]/, '');
  const column = all.find((c) => c.key === keyOf(name) || keyOf(c.header) === keyOf(name));
  if (!column)
    throw new UsageError(`--sort: no column "${name}"`, `sort by one of ${all.map((c) => c.key).join(', ')}`);
  const compare = (a: T, b: T): number => {
    const x = column.value(a);
    const y = column.value(b);
    if (x === y) return 0;
    if (x === null) return 1;
    if (y === null) return -1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x).localeCompare(String(y), 'en', { numeric: true });
  };
  return [...rows].sort((a, b) => (descending ? -compare(a, b) : compare(a, b)));
}

function csvField(v: string | number | boolean | null): string {
  const s = v === null ? '' : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Shrinks the widest columns until the table fits `width` (each keeps at least `min` characters). */
export function fitWidths(natural: readonly number[], width: number, gap = 2, min = 6): number[] {
  const widths = [...natural];
  const total = () => widths.reduce((a, b) => a + b, 0) + gap * Math.max(0, widths.length - 1);
  while (total() > width) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++)
      if ((widths[i] ?? 0) > min && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  return widths;
}

/** Throws the usage error a bad --columns or --sort gets, before any work is done. */
export function checkTableOptions<T>(all: readonly Column<T>[], opts: TableOptions): void {
  pick(all, opts.columns);
  sorted([], all, opts.sort);
}

/** The rows as the options say, ready for stdout (ends with a newline unless there is nothing). */
export async function renderTable<T>(
  rows: readonly T[],
  all: readonly Column<T>[],
  opts: TableOptions = {},
): Promise<string> {
  const columns = pick(all, opts.columns);
  const ordered = sorted(rows, all, opts.sort);
  const header = opts.header ?? true;
  const output = (opts.output ?? 'table') as OutputFormat;
  if (output === 'json' || output === 'yaml') {
    const objects = ordered.map((r) => Object.fromEntries(columns.map((c) => [c.key, c.value(r)])));
    if (output === 'json') return `${JSON.stringify(objects, null, 2)}\n`;
    const { stringify } = await import('yaml');
    return objects.length === 0 ? '[]\n' : stringify(objects);
  }
  if (output === 'csv') {
    const lines = ordered.map((r) => columns.map((c) => csvField(c.value(r))).join(','));
    if (header) lines.unshift(columns.map((c) => csvField(c.key)).join(','));
    return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
  }
  const cells = ordered.map((r) =>
    columns.map((c) => cellText(c.cell ? c.cell(r) : String(c.value(r) ?? '-'))),
  );
  if (cells.length === 0 && !header) return '';
  const heads = columns.map((c) => c.header);
  const natural = columnWidths(header ? [heads, ...cells] : cells, columns.length);
  const widths = opts.width === undefined ? natural : fitWidths(natural, opts.width);
  const lines = cells.map((row) => alignedLine(row, widths));
  if (header) lines.unshift(alignedLine(heads, widths, opts.color ? bold : undefined));
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/** Each column's width: its widest cell as a terminal shows it (0 for a column with no cells). */
export function columnWidths(rows: readonly (readonly string[])[], count: number): number[] {
  return Array.from({ length: count }, (_, i) =>
    Math.max(0, ...rows.map((row) => stringWidth(row[i] ?? ''))),
  );
}

/**
 * A cell's text on one line: line breaks and tabs become spaces and every other control character
 * U+FFFD, so that text from the cloud (tag values, descriptions, command output) can neither break a
 * row nor move the cursor or restyle the terminal.
 */
export function cellText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: these are what it replaces
  return text.replace(/\r\n|[\r\n\t]/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '\ufffd');
}

/**
 * One row: each cell padded to its column's width and two spaces, a cell wider than its column cut
 * to fit with "…", widths measured as a terminal shows them (a CJK character or an emoji takes two).
 * The line ends without spaces.
 */
export function alignedLine(
  row: readonly string[],
  widths: readonly number[],
  style?: (s: string) => string,
): string {
  return widths
    .map((w, i) => {
      const text = fitted(row[i] ?? '', w);
      const shown = style ? style(text) : text;
      return shown + ' '.repeat(Math.max(0, w - stringWidth(text)));
    })
    .join('  ')
    .trimEnd();
}

/** `text` if it is at most `width` wide, else its start and "…", at most `width` wide. */
export function fitted(text: string, width: number): string {
  if (stringWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const w = stringWidth(ch);
    if (used + w > width - 1) break;
    out += ch;
    used += w;
  }
  return `${out}…`;
}

/** Table options from a command's parsed flags, for stdout. */
export function tableOptions(
  flags: { columns?: string | undefined; sort?: string | undefined; header: boolean; output: string },
  color: boolean,
  stdout: { isTTY?: boolean; columns?: number } = process.stdout,
): TableOptions {
  const width = stdout.isTTY === true && (stdout.columns ?? 0) > 0 ? stdout.columns : undefined;
  return {
    columns: flags.columns,
    sort: flags.sort,
    header: flags.header,
    output: flags.output,
    width,
    color: color && stdout.isTTY === true,
  };
}
