import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig } from '../../src/config/load.ts';
import { corpusDir, readCorpus } from './corpus.ts';

const corpus = readCorpus();

describe('invalid sindri.yaml corpus', () => {
  it('has at least 40 cases', () => {
    assert.ok(corpus.length >= 40, `only ${corpus.length} cases in ${corpusDir}`);
  });

  for (const c of corpus) {
    it(`${c.name}: ${c.description}`, async () => {
      const err = await loadConfig({ configPath: c.file, cwd: corpusDir, env: {} }).then(
        () => assert.fail('expected a ConfigError'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
      assert.equal(err.exitCode, 2);
      const shown = relative(corpusDir, c.file);
      const got = err.problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.path}`);
      const want = c.expects.map((x) => `${shown}:${x.line}:${x.column} ${x.path}`);
      assert.deepEqual(got.sort(), want.sort(), err.message);
      for (const x of c.expects) {
        if (!x.contains) continue;
        const p = err.problems.find((q) => q.line === x.line && q.column === x.column && q.path === x.path);
        assert.ok(p, `no problem at ${x.line}:${x.column}`);
        assert.ok(
          `${p.message} ${p.hint ?? ''}`.includes(x.contains),
          `"${x.contains}" not in: ${err.message}`,
        );
      }
      assert.doesNotMatch(err.message, /\n\s+at /, 'no stack trace in the message');
    });
  }
});
