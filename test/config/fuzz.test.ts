import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../../src/config/errors.ts';
import { resolveConfig } from '../../src/config/load.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const example = readFileSync(join(root, 'sindri.example.yaml'), 'utf8');

/** Load text; anything thrown must be a ConfigError whose problems are well formed. */
function check(text: string): void {
  const lines = text.split('\n').length;
  try {
    resolveConfig({ text, displayFile: 'sindri.yaml', env: {} });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    assert.equal(err.exitCode, 2);
    assert.ok(err.problems.length > 0);
    for (const p of err.problems) {
      assert.equal(typeof p.path, 'string');
      assert.ok(p.message.length > 0);
      if (p.file === 'sindri.yaml') {
        assert.ok(p.line !== undefined && p.line >= 1 && p.line <= lines + 1, `line ${p.line} of ${lines}`);
        assert.ok(p.column !== undefined && p.column >= 1);
      }
    }
  }
}

const SNIPPETS = [
  ':',
  '- ',
  '  ',
  '\t',
  '&a ',
  '*a',
  '*nope',
  '!!binary ',
  '!tag ',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '#',
  '---',
  '? ',
  '|',
  '>',
  'null',
  '~',
  'true',
  '1e9',
  '-1',
  '0x1F',
  '.nan',
  'aliyun:',
  'sindri:',
  '<<: *a',
  '%YAML 1.2',
];

type Edit = (lines: string[]) => string[];

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.nat().map(
    (i): Edit =>
      (ls) =>
        ls.filter((_, j) => j !== i % ls.length),
  ),
  fc.nat().map(
    (i): Edit =>
      (ls) => {
        const k = i % ls.length;
        return [...ls.slice(0, k + 1), ls[k] ?? '', ...ls.slice(k + 1)];
      },
  ),
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...SNIPPETS)).map(
    ([i, c, s]): Edit =>
      (ls) =>
        ls.map((l, j) =>
          j === i % ls.length ? l.slice(0, c % (l.length + 1)) + s + l.slice(c % (l.length + 1)) : l,
        ),
  ),
  fc.tuple(fc.nat(), fc.string({ maxLength: 12 })).map(
    ([i, s]): Edit =>
      (ls) =>
        ls.map((l, j) => (j === i % ls.length ? l.replace(/:\s.*$/, `: ${s}`) : l)),
  ),
  fc.tuple(fc.nat(), fc.integer({ min: -4, max: 4 })).map(
    ([i, d]): Edit =>
      (ls) =>
        ls.map((l, j) => (j === i % ls.length ? (d >= 0 ? ' '.repeat(d) + l : l.slice(-d)) : l)),
  ),
);

/** Replace one value of the parsed example with an arbitrary JSON value and re-serialise. */
function replaceValue(doc: unknown, pick: number, value: unknown): unknown {
  let n = 0;
  const visit = (v: unknown): unknown => {
    if (v && typeof v === 'object') {
      if (n++ === pick) return value;
      if (Array.isArray(v)) return v.map(visit);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    }
    return n++ === pick ? value : v;
  };
  return visit(doc);
}

describe('mutations of sindri.example.yaml', () => {
  it('the unmutated example loads', () => {
    resolveConfig({ text: example, displayFile: 'sindri.yaml', env: {} });
  });

  it('text edits never throw anything but ConfigError', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 4 }), (edits) => {
        check(edits.reduce((ls, e) => e(ls), example.split('\n')).join('\n'));
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary values anywhere never throw anything but ConfigError', () => {
    const doc = parse(example);
    fc.assert(
      fc.property(fc.nat({ max: 120 }), fc.jsonValue({ maxDepth: 3 }), (pick, value) => {
        check(stringify(replaceValue(doc, pick, value)));
      }),
      { numRuns: 400 },
    );
  });

  it('arbitrary text never throws anything but ConfigError', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (text) => check(text)),
      { numRuns: 300 },
    );
  });
});
