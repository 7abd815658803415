import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { HANDLERS } from './server.ts';

test('docs/emulator.md lists every supported action of every product', () => {
  const doc = readFileSync(new URL('../../docs/emulator.md', import.meta.url), 'utf8');
  const section = doc.slice(doc.indexOf('## Supported actions'), doc.indexOf('## Forward proxy'));
  const titles = {
    ecs: '**ECS 2014-05-26**',
    vpc: '**VPC 2016-04-28**',
    ram: '**RAM 2015-05-01**',
    sts: '**STS 2015-04-01**',
  };
  for (const [product, handlers] of Object.entries(HANDLERS)) {
    const start = section.indexOf(titles[product as keyof typeof titles]);
    assert.ok(start >= 0, product);
    const paragraph = section.slice(start, section.indexOf('\n\n', start));
    const listed = new Set(paragraph.replace(/\([^)]*\)/g, '').match(/\b[A-Z][A-Za-z]+\b/g));
    for (const action of Object.keys(handlers))
      assert.ok(listed.has(action), `${product} ${action} missing from docs`);
  }
});

test('the fidelity table: rows numbered 1..N, five columns each, and the counts above it true', () => {
  const doc = readFileSync(new URL('../../docs/emulator.md', import.meta.url), 'utf8');
  const rows = doc.split('\n').filter((l) => /^\| \d+ \|/.test(l));
  const cells = rows.map((l) => l.split(/(?<!\\)\|/).map((c) => c.trim()));
  assert.deepEqual(
    cells.map((c) => Number(c[1])),
    rows.map((_, i) => i + 1),
  );
  for (const c of cells) assert.equal(c.length, 8, c.join(' | '));
  const assumed = cells.filter((c) => (c[5] ?? '').startsWith('assumed')).length;
  const differs = rows.filter((l) => l.includes('**differs')).length;
  const claim =
    /(\d+) of the (\d+) rows cite a source \((\d+) of them marked \*\*differs\*\*[^)]*\); (\d+) are \*\*assumed\*\*/.exec(
      doc.replace(/\n/g, ' '),
    );
  assert.ok(claim, 'the counts sentence');
  assert.deepEqual(claim.slice(1).map(Number), [rows.length - assumed, rows.length, differs, assumed]);
});
