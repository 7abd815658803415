import assert from 'node:assert/strict';
import { test } from 'node:test';
import { testTable } from '../../src/cli/test-table.ts';
import type { TestSummary } from '../../src/pipeline/record-summary.ts';

test("the test stage's table: one aligned row per check, failures with their reason, the SBOM last", () => {
  const names = ['docker: docker --version', 'file /etc/ssh/ssh_host_rsa_key', 'port 22', 'x'];
  for (let n = 0; n <= names.length; n++) {
    const summary: TestSummary = {
      passed: n !== 3,
      checks: names.slice(0, n).map((name, i) => ({
        name,
        source: i === 0 ? 'extension docker' : 'config',
        passed: !(n === 3 && i === 2),
        seconds: i / 10,
        ...(n === 3 && i === 2 ? { reason: 'nothing listens on 22' } : {}),
      })),
      ...(n === 2
        ? { sbom: { digest: `sha256:${'0'.repeat(64)}`, packages: 7, file: '/w/sbom.cdx.json' } }
        : {}),
    };
    const text = testTable(summary);
    if (n === 0) {
      // No checks: no header without rows, only the SBOM line when there is one.
      assert.equal(text, '');
      continue;
    }
    const lines = text.split('\n');
    assert.match(lines[0] ?? '', /^\s+check\s+source\s+time$/);
    const rows = lines.slice(1, 1 + n);
    rows.forEach((row, i) => {
      const c = summary.checks[i];
      assert.ok(c && row.includes(c.name) && row.includes(c.source), row);
      assert.ok(row.trimStart().startsWith(c.passed ? '✓' : '✗'), row);
      if (c.reason) assert.ok(row.includes(`${c.name}: ${c.reason}`), row);
      // Every row's source starts in the same column as the header's.
      assert.equal(row.indexOf(c.source), (lines[0] ?? '').indexOf('source'), row);
    });
    assert.equal(lines.length, 1 + n + (summary.sbom ? 1 : 0));
    if (summary.sbom)
      assert.match(lines.at(-1) ?? '', /SBOM: 7 packages, sha256:0{64} \(\/w\/sbom\.cdx\.json\)/);
  }
});

test('no checks but an SBOM: the SBOM line alone, no header without rows', () => {
  const text = testTable({
    passed: true,
    checks: [],
    sbom: { digest: `sha256:${'1'.repeat(64)}`, packages: 3, file: '/w/sbom.cdx.json' },
  });
  assert.equal(text, `  SBOM: 3 packages, sha256:${'1'.repeat(64)} (/w/sbom.cdx.json)`);
});
