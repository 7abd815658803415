/**
 * The one place where a value becomes HCL source text.
 *
 * Two layers of meaning apply to every string sindri writes into a Packer template:
 *  1. HCL itself: a quoted string is a *template*; `${` starts an interpolation and `%{` a directive,
 *     so they are written `$${` and `%%{`. Quotes, backslashes and control characters are escaped.
 *  2. Packer's own Go-template pass: packer (1.6.6 observed, plugins through packer-plugin-sdk alike)
 *     runs `text/template` over the string fields of builders, provisioners and post-processors after
 *     HCL has evaluated them, so a literal `{{` must be written as the Go action `{{"{{"}}`.
 *
 * `hclString` does layer 1 only. `packerString` does both, and is what templates use for every field
 * packer interpolates (that is every field sindri renders); `hclString` alone is for text that is
 * meant to contain Go-template actions, such as an `execute_command`.
 */

/** Go-template escape: every `{{` becomes an action that prints `{{`. */
export function escapeGoTemplate(value: string): string {
  return value.replaceAll('{{', () => '{{"{{"}}');
}

/** Reverses `escapeGoTemplate` (what packer's Go-template pass does to an escaped string). */
export function unescapeGoTemplate(value: string): string {
  return value.replaceAll('{{"{{"}}', () => '{{');
}

function escapeChar(ch: string): string {
  switch (ch) {
    case '\\':
      return '\\\\';
    case '"':
      return '\\"';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    default: {
      const code = ch.codePointAt(0) ?? 0;
      return `\\u${code.toString(16).toUpperCase().padStart(4, '0')}`;
    }
  }
}

// Backslash, quote, C0 controls, DEL, C1 controls, the Unicode line/paragraph separators and the BOM.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly the characters to escape
const NEEDS_ESCAPE = /[\\"\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/g;

export class HclValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HclValueError';
  }
}

/**
 * A quoted HCL string literal whose value is exactly `value` (HCL normalises text to Unicode NFC, as
 * every HCL reader does). Throws on strings that are not well-formed Unicode (lone surrogates), which
 * cannot be written as UTF-8 at all.
 */
export function hclString(value: string): string {
  if (typeof value !== 'string') throw new HclValueError(`expected a string, got ${typeof value}`);
  if (/\p{Surrogate}/u.test(value)) throw new HclValueError('the text contains a lone UTF-16 surrogate');
  const escaped = value
    .replace(NEEDS_ESCAPE, escapeChar)
    // `${` and `%{` open HCL template sequences; the doubled form is HCL's literal escape. Function
    // replacements: in a replacement *string* `$$` would mean a single `$`.
    .replace(/\$\{/g, () => '$${')
    .replace(/%\{/g, () => '%%{');
  return `"${escaped}"`;
}

/** A string that packer will read back as exactly `value`, through HCL and its Go-template pass. */
export function packerString(value: string): string {
  return hclString(escapeGoTemplate(value));
}

/** An HCL number literal; only finite numbers. */
export function hclNumber(value: number): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new HclValueError(`expected a finite number, got ${String(value)}`);
  }
  return String(value);
}

export function hclBool(value: boolean): string {
  if (typeof value !== 'boolean') throw new HclValueError(`expected a boolean, got ${typeof value}`);
  return value ? 'true' : 'false';
}

/** An HCL list of packer strings, one item per line at `indent`. */
export function packerList(values: readonly string[], indent = 2): string {
  if (values.length === 0) return '[]';
  const pad = ' '.repeat(indent);
  const inner = values.map((v) => `${pad}  ${packerString(v)},`).join('\n');
  return `[\n${inner}\n${pad}]`;
}

/** An HCL object of string → string, keys quoted (so any key text is allowed), sorted for stable output. */
export function packerMap(entries: Record<string, string>, indent = 2): string {
  const keys = Object.keys(entries).sort();
  if (keys.length === 0) return '{}';
  const pad = ' '.repeat(indent);
  const inner = keys
    .map((k) => `${pad}  ${packerString(k)} = ${packerString(entries[k] as string)}`)
    .join('\n');
  return `{\n${inner}\n${pad}}`;
}
