/**
 * The validator compiled ahead by `npm run build` (dist/schema-validator.cjs) against the schema compiled
 * at run time: the same verdict, the same errors and the same defaults filled in, for the fixtures and
 * hundreds of generated malformed documents; and a stale file (another schema) is never used.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { inspect, promisify } from 'node:util';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { loadSchema, newAjv, PRECOMPILED_VALIDATOR, schemaDigest } from '../../src/config/schema.ts';
import { generateCases } from '../fuzz/cases.ts';
import { repoRoot } from '../helpers/cli.ts';

const documents = (): unknown[] =>
  generateCases(400).flatMap((c) => {
    try {
      const doc = parse(c.text, { logLevel: 'silent' }) as unknown;
      return doc === undefined ? [] : [doc];
    } catch {
      return [];
    }
  });

test('the precompiled validator agrees with the schema compiled at run time', () => {
  assert.ok(existsSync(PRECOMPILED_VALIDATOR), 'run npm run build first');
  const ahead = createRequire(import.meta.url)(PRECOMPILED_VALIDATOR) as ValidateFunction & {
    digest: string;
  };
  const text = readFileSync(`${repoRoot}/schemas/sindri.schema.json`, 'utf8');
  assert.equal(ahead.digest, schemaDigest(text), 'dist/schema-validator.cjs is stale: npm run build');
  const fresh = newAjv().compile(loadSchema());
  const docs = documents();
  let valid = 0;
  for (const doc of docs) {
    const a = structuredClone(doc);
    const b = structuredClone(doc);
    const okAhead = ahead(a);
    const okFresh = fresh(b);
    assert.equal(okAhead, okFresh, inspect(doc, { depth: 4 }).slice(0, 600));
    if (okAhead) valid++;
    assert.deepEqual(a, b, 'defaults differ');
    assert.deepEqual(
      (ahead.errors ?? []).map((e) => [e.instancePath, e.keyword, e.message, e.params]),
      (fresh.errors ?? []).map((e) => [e.instancePath, e.keyword, e.message, e.params]),
    );
  }
  // Both kinds were compared: documents the schema accepts and documents it refuses.
  assert.ok(valid > 0 && valid < docs.length, `${valid} of ${docs.length} valid`);
});

test('a validator compiled from another schema is not used: the configuration is checked all the same', async () => {
  // The digest gate: with a changed digest the schema is compiled at run time, and validation still works.
  const code = `
    import { createRequire } from 'node:module';
    const require = createRequire(import.meta.url);
    const { PRECOMPILED_VALIDATOR, validator } = await import('./src/config/schema.ts');
    const ahead = require(PRECOMPILED_VALIDATOR);
    ahead.digest = 'another schema';
    const validate = validator();
    console.log(JSON.stringify({ same: validate === ahead, refused: validate({ version: 1 }) === false }));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', code], {
    cwd: repoRoot,
  });
  assert.deepEqual(JSON.parse(stdout), { same: false, refused: true });
});
