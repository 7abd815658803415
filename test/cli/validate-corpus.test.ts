import assert from 'node:assert/strict';
import { basename } from 'node:path';
import { describe, it } from 'node:test';
import { corpusDir, readCorpus } from '../config/corpus.ts';
import { type CliResult, runSindri, STACK_TRACE } from '../helpers/cli.ts';

/** Runs `items` through `fn` with at most `limit` at a time. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  });
  await Promise.all(workers);
  return results;
}

describe('sindri packer validate on the invalid corpus', () => {
  const corpus = readCorpus();

  it('has at least 40 cases', () => {
    assert.ok(corpus.length >= 40, `only ${corpus.length} cases`);
  });

  it('exits 2 for every case, naming file:line:column and key, without a stack trace', async () => {
    const results = await mapLimit(corpus, 4, (c) =>
      runSindri(['packer', 'validate', '--syntax-only', '--config', basename(c.file)], { cwd: corpusDir }),
    );
    corpus.forEach((c, i) => {
      const result = results[i] as CliResult;
      assert.equal(result.code, 2, `${c.name}: exit ${result.code}\n${result.stderr}`);
      assert.equal(result.stdout, '', `${c.name}: stdout must stay empty`);
      assert.doesNotMatch(result.stderr, STACK_TRACE, `${c.name} printed a stack trace`);
      for (const e of c.expects) {
        const where = `${basename(c.file)}:${e.line}:${e.column}`;
        const line = result.stderr.split('\n').find((l) => l.startsWith(where) && l.includes(e.path));
        assert.ok(line, `${c.name}: expected "${where}  ${e.path}" in:\n${result.stderr}`);
      }
    });
  });

  it('reports the same problems as JSON on stdout with --json', async () => {
    const sample = corpus.filter((_, i) => i % 10 === 0);
    for (const c of sample) {
      const result = await runSindri(['packer', 'validate', '--json', '--config', basename(c.file)], {
        cwd: corpusDir,
      });
      assert.equal(result.code, 2, c.name);
      const parsed = JSON.parse(result.stdout) as {
        error: { code: string; problems: Array<{ line?: number; column?: number; path: string }> };
      };
      assert.equal(parsed.error.code, 'InvalidConfig');
      for (const e of c.expects) {
        assert.ok(
          parsed.error.problems.some((p) => p.line === e.line && p.column === e.column && p.path === e.path),
          `${c.name}: ${e.line}:${e.column} ${e.path} missing from ${result.stdout}`,
        );
      }
    }
  });
});
