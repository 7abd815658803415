import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  escapeGoTemplate,
  HclValueError,
  hclBool,
  hclNumber,
  hclString,
  packerList,
  packerMap,
  packerString,
  unescapeGoTemplate,
} from '../../src/render/hcl.ts';

describe('hclString', () => {
  it('quotes plain text', () => {
    assert.equal(hclString('ecs.g6.xlarge'), '"ecs.g6.xlarge"');
  });

  it('escapes quotes, backslashes and control characters', () => {
    assert.equal(hclString('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(hclString('l1\nl2\r\tx'), '"l1\\nl2\\r\\tx"');
    assert.equal(
      hclString('\u0000\u0007\u001b\u007f\u0085\u2028\ufeff'),
      '"\\u0000\\u0007\\u001B\\u007F\\u0085\\u2028\\uFEFF"',
    );
  });

  it('doubles the template sequences ${ and %{', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL text, not a JavaScript template
    assert.equal(hclString('${var.x}'), '"$${var.x}"');
    assert.equal(hclString('%{ if true }'), '"%%{ if true }"');
    assert.equal(hclString('$${'), '"$$${"');
    assert.equal(hclString('price: $5, 50%'), '"price: $5, 50%"');
  });

  it('leaves {{ alone (that is the Go-template layer)', () => {
    assert.equal(hclString('{{ .Path }}'), '"{{ .Path }}"');
  });

  it('keeps non-ASCII text as it is', () => {
    assert.equal(hclString('镜像 ✓ 😀'), '"镜像 ✓ 😀"');
  });

  it('rejects lone surrogates and non-strings', () => {
    assert.throws(() => hclString('a\ud800b'), HclValueError);
    assert.throws(() => hclString(42 as unknown as string), HclValueError);
  });
});

describe('packerString', () => {
  it('escapes {{ as a Go action printing {{', () => {
    assert.equal(escapeGoTemplate('a {{ b }} {{{'), 'a {{"{{"}} b }} {{"{{"}}{');
    assert.equal(packerString('{{ x'), '"{{\\"{{\\"}} x"');
  });

  it('round-trips through the Go-template unescape', () => {
    for (const s of ['{{', '{{{{', '{{"{{"}}', 'x}}{{y', '']) {
      assert.equal(unescapeGoTemplate(escapeGoTemplate(s)), s);
    }
  });
});

describe('numbers, booleans, lists and maps', () => {
  it('renders numbers and booleans', () => {
    assert.equal(hclNumber(80), '80');
    assert.equal(hclNumber(0.5), '0.5');
    assert.throws(() => hclNumber(Number.NaN), HclValueError);
    assert.equal(hclBool(true), 'true');
    assert.throws(() => hclBool('true' as unknown as boolean), HclValueError);
  });

  it('renders lists and sorted maps through packerString', () => {
    assert.equal(packerList([]), '[]');
    // biome-ignore lint/suspicious/noTemplateCurlyInString: HCL text, not a JavaScript template
    assert.equal(packerList(['a', '${b}'], 0), '[\n  "a",\n  "$${b}",\n]');
    assert.equal(packerMap({ b: '2', 'a:b': '{{' }, 0), '{\n  "a:b" = "{{\\"{{\\"}}"\n  "b" = "2"\n}');
  });
});
