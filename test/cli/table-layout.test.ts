/**
 * The table layout (src/cli/table.ts): aligned columns two spaces apart, measured as a terminal shows
 * them, a cell wider than its column cut with "…". For text of one-column characters it is the layout
 * cli-table3 drew before (the same options: no borders, two spaces after each cell, "…"), checked against
 * cli-table3 itself; for wide characters (CJK, emoji) it pads and cuts by the width shown, where
 * cli-table3 was given the number of characters and cut them.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Table from 'cli-table3';
import fc from 'fast-check';
import stringWidth from 'string-width';
import { alignedLine, type Column, cellText, fitted, renderTable } from '../../src/cli/table.ts';

/** cli-table3 with the options renderTable gave it, and its post-processing. */
function cliTable3(head: string[] | undefined, rows: string[][], widths: number[]): string {
  const none = '';
  const chars = Object.fromEntries(
    [
      'top',
      'top-mid',
      'top-left',
      'top-right',
      'bottom',
      'bottom-mid',
      'bottom-left',
      'bottom-right',
      'left',
      'left-mid',
      'mid',
      'mid-mid',
      'right',
      'right-mid',
      'middle',
    ].map((k) => [k, none]),
  );
  const table = new Table({
    ...(head ? { head } : {}),
    colWidths: widths.map((w) => w + 2),
    truncate: '…',
    wordWrap: false,
    chars,
    style: { head: [], border: [], compact: true, 'padding-left': 0, 'padding-right': 2 },
  });
  table.push(...rows);
  const text = table
    .toString()
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line, i) => i > 0 || line !== '' || !head)
    .join('\n');
  return text === '' ? '' : `${text}\n`;
}

// Not blank: the old post-processing dropped a blank first line (meant for a top border cli-table3 never
// drew with these options), and no heading or cell is blank.
const narrowText = fc
  .string({ unit: fc.constantFrom(...'abcXYZ019 -_./:'.split('')), minLength: 1, maxLength: 14 })
  .filter((s) => s.trim() !== '');
const wideChar = fc.constantFrom('镜', '像', '测', '试', '杭', '州', '🚀', '✓', 'é');
const anyText = fc
  .array(fc.oneof(narrowText, wideChar), { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join(''));

describe('the table layout', () => {
  it('is the layout cli-table3 drew, for text of one-column characters (any widths, cut or not)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((n) =>
          fc.record({
            head: fc.option(fc.array(narrowText, { minLength: n, maxLength: n }), { nil: undefined }),
            rows: fc.array(fc.array(narrowText, { minLength: n, maxLength: n }), { maxLength: 5 }),
            widths: fc.array(fc.integer({ min: 2, max: 16 }), { minLength: n, maxLength: n }),
          }),
        ),
        ({ head, rows, widths }) => {
          fc.pre(rows.length > 0 || head !== undefined);
          const mine = [
            ...(head ? [alignedLine(head, widths)] : []),
            ...rows.map((r) => alignedLine(r, widths)),
          ];
          assert.equal(`${mine.join('\n')}\n`, cliTable3(head, rows, widths));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps every row on one line, with no control character, whatever the cells hold', async () => {
    const columns: Column<string[]>[] = [0, 1].map((i) => ({
      key: `c${i}`,
      header: `C${i}`,
      value: (r) => r[i] ?? '',
    }));
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.string({ unit: 'binary' }), { minLength: 2, maxLength: 2 }), { maxLength: 4 }),
        fc.option(fc.integer({ min: 10, max: 60 }), { nil: undefined }),
        async (rows, width) => {
          const out = await renderTable(rows, columns, { width });
          const lines = out.split('\n');
          assert.equal(lines.pop(), '', 'ends with a newline');
          assert.equal(lines.length, rows.length + 1, 'a line per row and the header');
          // biome-ignore lint/suspicious/noControlCharactersInRegex: what must not be there
          for (const l of lines) assert.doesNotMatch(l, /[\u0000-\u001f\u007f-\u009f]/);
        },
      ),
      { numRuns: 200 },
    );
    assert.equal(cellText('a\r\nb\tc\u001b[31md'), 'a b c\ufffd[31md');
  });

  it('cuts by the width a terminal shows: at most the column, its start, and "…"', () => {
    fc.assert(
      fc.property(anyText, fc.integer({ min: 1, max: 20 }), (text, width) => {
        const out = fitted(text, width);
        if (stringWidth(text) <= width) {
          assert.equal(out, text);
          return;
        }
        assert.ok(out.endsWith('…'));
        assert.ok(stringWidth(out) <= width, `${out} is wider than ${width}`);
        assert.ok(text.startsWith(out.slice(0, -1)));
        // Nothing more would fit: the next character would make it too wide.
        const next = [...text.slice(out.length - 1)][0] ?? '';
        assert.ok(stringWidth(out) + stringWidth(next) > width);
      }),
      { numRuns: 500 },
    );
  });

  it('piped (no width), wide characters are neither cut nor misaligned', async () => {
    const columns: Column<{ name: string; id: string }>[] = [
      { key: 'name', header: 'NAME', value: (r) => r.name },
      { key: 'id', header: 'ID', value: (r) => r.id },
    ];
    await fc.assert(
      fc.asyncProperty(fc.array(anyText, { minLength: 1, maxLength: 6 }), async (names) => {
        const rows = names.map((name, i) => ({ name, id: `m-${i}` }));
        const lines = (await renderTable(rows, columns, {})).trimEnd().split('\n');
        const at = (line: string) => stringWidth(line.slice(0, line.lastIndexOf(' ') + 1));
        const column = at(lines[0] ?? '');
        for (const [i, line] of lines.slice(1).entries()) {
          assert.ok(line.startsWith(names[i] ?? ''), `${names[i]} is shown whole`);
          assert.equal(at(line), column, `the ID column starts at ${column} in "${line}"`);
        }
      }),
      { numRuns: 200 },
    );
  });
});
