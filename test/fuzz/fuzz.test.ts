import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { generateCases } from './cases.ts';
import { runCliCase, runInProcess } from './check.ts';

const CASES = generateCases(1000);
/** Every 25th case through the real CLI (rotating commands), plus the builder-impossible edge cases. */
const SAMPLE = CASES.map((c, i) => ({ c, i })).filter(
  ({ c, i }) =>
    i % 25 === 0 || /vswitch_cidr_block|performance_level|image_family/.test(c.text.slice(0, 300)),
);

describe('1,000 generated malformed and edge-case sindri.yaml files', () => {
  const root = mkdtempSync(join(tmpdir(), 'sindri-fuzz-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('in process (loader, renderer, error report): exit 0 or 2, located messages, no stack trace', async () => {
    assert.equal(CASES.length, 1000);
    const codes = new Map<number, number>();
    const failures: string[] = [];
    for (const [i, c] of CASES.entries()) {
      const r = await runInProcess(join(root, `p${i}`), c);
      codes.set(r.exitCode, (codes.get(r.exitCode) ?? 0) + 1);
      if (r.wrong.length > 0) failures.push(`${c.name}: ${r.wrong.join(', ')}\n${r.text.slice(0, 400)}`);
    }
    assert.deepEqual(failures, []);
    // The corpus exercises both outcomes in earnest.
    assert.ok((codes.get(2) ?? 0) >= 300, `invalid: ${codes.get(2)}`);
    assert.ok((codes.get(0) ?? 0) >= 100, `valid: ${codes.get(0)}`);
  });

  it(`a sample of ${SAMPLE.length} through the CLI (template, validate, build --dry-run, --json)`, async () => {
    const failures: string[] = [];
    const codes = new Set<number | null>();
    let next = 0;
    const worker = async () => {
      while (next < SAMPLE.length) {
        const { c, i } = SAMPLE[next++] as (typeof SAMPLE)[number];
        const r = await runCliCase(join(root, `c${i}`), c, i);
        codes.add(r.result.code);
        if (r.wrong.length > 0)
          failures.push(
            `${c.name} (${r.args.join(' ')}): ${r.wrong.join(', ')}\n${r.result.stderr.slice(0, 400)}`,
          );
      }
    };
    await Promise.all([worker(), worker()]);
    assert.deepEqual(failures, []);
    assert.ok(codes.has(0) && codes.has(2), [...codes].join(','));
  });

  it('a configuration the builder cannot build is located in sindri.yaml by every command (regression)', async () => {
    const c = {
      name: 'cidr',
      text: 'version: "1.0"\nname: cidr\nproviders:\n  packer:\n    alibaba:\n      vswitch_cidr_block: 172.16.1.0/24\n',
    };
    const inProcess = await runInProcess(join(root, 'cidr-p'), c);
    assert.equal(inProcess.exitCode, 2);
    assert.match(inProcess.text, /sindri\.yaml:6:27 {2}providers\.packer\.alibaba\.vswitch_cidr_block {2}/);
    const cli = await runCliCase(join(root, 'cidr-c'), c, 0);
    assert.deepEqual(cli.args.slice(0, 2), ['packer', 'template']);
    assert.equal(cli.result.code, 2);
    assert.match(
      cli.result.stderr,
      /^sindri\.yaml:6:27 {2}providers\.packer\.alibaba\.vswitch_cidr_block {2}/,
    );
  });
});
