import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { describe, it } from 'node:test';
import { formatOutputs, writeOutputs, writeStepSummary } from '../../src/ci/github-files.ts';
import { escapeData, escapeProperty, formatAnnotation } from '../../src/ci/workflow-commands.ts';
import { fakeGithubFiles, parseOutputFile } from './helpers.ts';

/** What the runner does to a message or property before showing it. */
function runnerUnescape(value: string): string {
  return value
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%3A/g, ':')
    .replace(/%2C/g, ',')
    .replace(/%25/g, '%');
}

describe('workflow commands', () => {
  it('escapes %, CR and LF in messages, and also : and , in properties', () => {
    assert.equal(escapeData('100% done\r\nnext: a,b'), '100%25 done%0D%0Anext: a,b');
    assert.equal(escapeProperty('a:b,c%\n'), 'a%3Ab%2Cc%25%0A');
    // %25 first: an input that already looks escaped survives the round trip.
    for (const s of ['%0A literal', 'x%3Ay', 'line1\nline2', 'k=v,w:z']) {
      assert.equal(runnerUnescape(escapeProperty(s)), s);
      assert.equal(runnerUnescape(escapeData(s)), s);
    }
  });

  it('formats an annotation with its properties in order and none that are empty', () => {
    assert.equal(
      formatAnnotation('error', 'bad value\nfix: change it', {
        file: 'images/a,b.yaml',
        line: 3,
        col: 7,
        title: 'sindri: invalid',
      }),
      '::error file=images/a%2Cb.yaml,line=3,col=7,title=sindri%3A invalid::bad value%0Afix: change it',
    );
    assert.equal(formatAnnotation('warning', 'plain'), '::warning::plain');
    assert.equal(formatAnnotation('notice', 'x', { title: '' }), '::notice::x');
  });
});

describe('$GITHUB_OUTPUT and $GITHUB_STEP_SUMMARY', () => {
  it('writes single-line values as name=value and multi-line values with a heredoc delimiter', () => {
    const text = formatOutputs({ 'image-id': 'm-1', list: 'a=1\nb=2', tricky: 'ghadelimiter_x\r\nEOF' });
    assert.match(text, /^image-id=m-1\n/);
    const heredoc = /list<<(ghadelimiter_[0-9a-f-]+)\na=1\nb=2\n\1\n/.exec(text);
    assert.ok(heredoc, text);
    assert.deepEqual(parseOutputFile(text), {
      'image-id': 'm-1',
      list: 'a=1\nb=2',
      tricky: 'ghadelimiter_x\r\nEOF',
    });
    assert.throws(() => formatOutputs({ 'bad name': 'x' }), /invalid output name/);
  });

  it('appends to the files named by the environment and does nothing without them', async () => {
    const gh = fakeGithubFiles();
    try {
      assert.equal(await writeOutputs(gh.env, { a: '1' }), true);
      assert.equal(await writeOutputs(gh.env, { b: 'x\ny' }), true);
      assert.deepEqual(gh.outputs(), { a: '1', b: 'x\ny' });
      await writeStepSummary(gh.env, '# one');
      await writeStepSummary(gh.env, '# two\n');
      assert.equal(gh.summary(), '# one\n# two\n');
      assert.equal(await writeOutputs({}, { a: '1' }), false);
      assert.equal(await writeStepSummary({}, 'x'), false);
    } finally {
      rmSync(gh.dir, { recursive: true, force: true });
    }
  });
});
