import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { ConfigError } from '../../src/config/errors.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { lineEdit, replaceValue } from '../fuzz/cases.ts';

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

describe('mutations of sindri.example.yaml', () => {
  it('the unmutated example loads', () => {
    resolveConfig({ text: example, displayFile: 'sindri.yaml', env: {} });
  });

  it('text edits never throw anything but ConfigError', () => {
    fc.assert(
      fc.property(fc.array(lineEdit, { minLength: 1, maxLength: 4 }), (edits) => {
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
