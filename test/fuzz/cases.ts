/**
 * Generated malformed and edge-case sindri.yaml files, the same for the same seed: mutations of the
 * example and the guide's configurations (text edits, wrong values anywhere), hand-written YAML edge
 * cases (aliases, tags, encodings, sizes) and arbitrary text.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, stringify } from 'yaml';
import { repoRoot } from '../helpers/cli.ts';

export interface FuzzCase {
  /** Stable name: kind and index. */
  name: string;
  text: string;
}

const example = readFileSync(join(repoRoot, 'sindri.example.yaml'), 'utf8');
const guides = readdirSync(join(repoRoot, 'test/fixtures/config'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => readFileSync(join(repoRoot, 'test/fixtures/config', f), 'utf8'));
const bases = [example, ...guides];

const SNIPPETS = [
  ':',
  '- ',
  '  ',
  '\t',
  '&a ',
  '*a',
  '*nope',
  '!!binary ',
  '!!int ',
  '!!map ',
  '!tag ',
  '[',
  ']',
  '{',
  '}',
  '"',
  "'",
  '#',
  '---',
  '...',
  '? ',
  '|',
  '>',
  'null',
  '~',
  'true',
  'yes',
  '1e9',
  '1e999',
  '-1',
  '0x1F',
  '0o17',
  '.nan',
  '.inf',
  'aliyun:',
  'acs:',
  'sindri:',
  '<<: *a',
  '%YAML 1.2',
  '%TAG ! tag:x,2000:',
  '\u0000',
  '\u00a0',
  '\ufeff',
  '\u202e',
  '😀',
  '${',
  '%{',
  '$${x}',
  '\\',
  '\r',
  '../../etc/passwd',
  '"; rm -rf / #',
];

export type Edit = (lines: string[]) => string[];

/** One edit of a YAML text's lines: delete, duplicate, insert a snippet, replace a value, re-indent, truncate. */
export const lineEdit: fc.Arbitrary<Edit> = fc.oneof(
  fc.nat().map(
    (i): Edit =>
      (ls) =>
        ls.filter((_, j) => j !== i % ls.length),
  ),
  fc.nat().map(
    (i): Edit =>
      (ls) => {
        const k = i % ls.length;
        return [...ls.slice(0, k + 1), ls[k] ?? '', ...ls.slice(k + 1)];
      },
  ),
  fc.tuple(fc.nat(), fc.nat(), fc.constantFrom(...SNIPPETS)).map(
    ([i, c, s]): Edit =>
      (ls) =>
        ls.map((l, j) =>
          j === i % ls.length ? l.slice(0, c % (l.length + 1)) + s + l.slice(c % (l.length + 1)) : l,
        ),
  ),
  fc.tuple(fc.nat(), fc.oneof(fc.string({ maxLength: 16 }), fc.constantFrom(...SNIPPETS))).map(
    ([i, s]): Edit =>
      (ls) =>
        ls.map((l, j) => (j === i % ls.length ? l.replace(/:\s.*$/, `: ${s}`) : l)),
  ),
  fc.tuple(fc.nat(), fc.integer({ min: -4, max: 4 })).map(
    ([i, d]): Edit =>
      (ls) =>
        ls.map((l, j) => (j === i % ls.length ? (d >= 0 ? ' '.repeat(d) + l : l.slice(-d)) : l)),
  ),
  // Truncate the file anywhere.
  fc.nat().map(
    (i): Edit =>
      (ls) =>
        ls.slice(0, (i % ls.length) + 1),
  ),
);

/** Replaces the `pick`-th node of a parsed document (in visiting order) with `value`. */
export function replaceValue(doc: unknown, pick: number, value: unknown): unknown {
  let n = 0;
  const visit = (v: unknown): unknown => {
    if (v && typeof v === 'object') {
      if (n++ === pick) return value;
      if (Array.isArray(v)) return v.map(visit);
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]));
    }
    return n++ === pick ? value : v;
  };
  return visit(doc);
}

const EDGE_VALUES: unknown[] = [
  null,
  '',
  ' ',
  0,
  -1,
  2 ** 53,
  1.5,
  true,
  [],
  {},
  [null],
  'x'.repeat(300),
  'ü'.repeat(40),
  '$' + '{env.SECRET}',
  '"quoted"',
  'line\nbreak',
  { nested: { deeper: [1, 2, 3] } },
];

/** Hand-written YAML edge cases: what a parser or a schema walker is most likely to trip on. */
const FIXED: string[] = [
  '',
  ' ',
  '\n\n\n',
  '# only a comment\n',
  '---\n',
  '---\n---\n',
  'version: "1.0"\n---\nname: two-docs\n',
  '...\n',
  '~\n',
  'null\n',
  '42\n',
  '"just a string"\n',
  '- a\n- list\n',
  '[]\n',
  '{}\n',
  '\ufeffversion: "1.0"\nname: bom\n',
  'version: "1.0"\r\nname: crlf\r\nproviders:\r\n  packer:\r\n    cloud: alibaba\r\n',
  'version: "1.0"\n\tname: tab\n',
  'version: "1.0"\nname: a\nname: duplicate\n',
  'version: 1.0\nname: unquoted-version\n',
  'version: "1.0"\nname: \u0000nul\n',
  'version: "1.0"\nname: [unterminated\n',
  'version: "1.0"\nname: "unterminated\n',
  'version: "1.0"\nname: {a: b}\n',
  'version: "1.0"\nname: !!binary aGVsbG8=\n',
  'version: "1.0"\nname: !custom x\n',
  'version: "1.0"\nname: *undefinedalias\n',
  'version: "1.0"\n<<: {name: merged}\n',
  'version: "1.0"\nname: &n x\nproviders: *n\n',
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
  'a: &a\n  b: *a\n',
  `version: "1.0"\nname: ${'n'.repeat(10_000)}\n`,
  `version: "1.0"\nname: x\nextensions:\n  additional: [${Array.from({ length: 2000 }, (_, i) => `e${i}`).join(', ')}]\n`,
  `${'['.repeat(500)}${']'.repeat(500)}\n`,
  `${'a:\n '.repeat(200)}b: c\n`,
  'version: "1.0"\nproviders:\n  packer:\n    alibaba:\n      region: cn-hangzhou\n      image_copy_regions: [cn-hangzhou, cn-hangzhou]\n',
  'version: "1.0"\nproviders:\n  packer:\n    alibaba:\n      image_share_accounts: [123, "abc", null]\n',
  'version: "1.0"\nproviders:\n  packer:\n    alibaba:\n      system_disk_size_gb: 1e999\n',
  'version: "1.0"\nproviders:\n  packer:\n    alibaba:\n      system_disk_size_gb: .nan\n',
  'version: "1.0"\nproviders:\n  packer:\n    build:\n      environment: { "": x, "A B": y, SINDRI_X: z }\n',
  'version: "1.0"\nproviders:\n  packer:\n    build:\n      scripts: [/dev/null, ../../../../etc/shadow, ""]\n',
  'version: "1.0"\nproviders:\n  packer:\n    build:\n      files: [{ source: missing, destination: "" }]\n',
  'version: "1.0"\nproviders:\n  packer:\n    tags: { aliyun: x, "acs:y": z, "": e }\n',
  'version: "1.0"\nproviders:\n  packer:\n    retention: { keep: -1, delete_after_days: 0 }\n',
  'version: "1.0"\nproviders: [packer]\n',
  'version: "1.0"\nproviders:\n  packer: ~\n',
  'version: "1.0"\nproviders:\n  packer:\n    alibaba: "cn-hangzhou"\n',
  '%YAML 1.1\n---\nversion: "1.0"\n',
  '%YAML 9.9\n---\nversion: "1.0"\n',
  'version: "1.0"\n? [complex, key]\n: value\n',
  'version: "1.0"\nname: |\n  multi\n  line\n',
  // Valid for the schema, impossible for the builder.
  'version: "1.0"\nname: cidr\nproviders:\n  packer:\n    alibaba:\n      vswitch_cidr_block: 172.16.1.0/24\n',
  'version: "1.0"\nname: pl\nproviders:\n  packer:\n    alibaba:\n      system_disk_category: cloud_efficiency\n      system_disk_performance_level: PL2\n',
  'version: "1.0"\nname: pl\nproviders:\n  packer:\n    alibaba:\n      system_disk_category: cloud_essd\n      system_disk_performance_level: PL3\n      system_disk_size_gb: 1000\n',
  'version: "1.0"\nname: family\nproviders:\n  packer:\n    alibaba:\n      image_family: acs:ubuntu_22_04_x64\n',
  '\u00ff\u00fe\u0000v\u0000',
  '\x89PNG\r\n\x1a\n\u0000\u0000\u0000\rIHDR',
];

/** `count` cases, identical for the same seed. */
export function generateCases(count: number, seed = 20260705): FuzzCase[] {
  const cases: FuzzCase[] = FIXED.slice(0, count).map((text, i) => ({ name: `edge-${i}`, text }));
  const rest = count - cases.length;
  if (rest <= 0) return cases;
  const textEdits = fc
    .tuple(fc.nat({ max: bases.length - 1 }), fc.array(lineEdit, { minLength: 1, maxLength: 5 }))
    .map(([b, edits]) => edits.reduce((ls, e) => e(ls), (bases[b] as string).split('\n')).join('\n'));
  const values = fc
    .tuple(
      fc.nat({ max: bases.length - 1 }),
      fc.nat({ max: 150 }),
      fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(...EDGE_VALUES)),
    )
    .map(([b, pick, value]) => stringify(replaceValue(parse(bases[b] as string), pick, value)));
  const arbitrary = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc
      .array(fc.constantFrom(...SNIPPETS, 'version: "1.0"\n', 'name: x\n', '\n', 'providers:\n'), {
        maxLength: 30,
      })
      .map((parts) => parts.join('')),
  );
  const kinds: Array<[string, fc.Arbitrary<string>]> = [
    ['edit', textEdits],
    ['value', values],
    ['text', arbitrary],
  ];
  // Roughly 45% text edits, 40% wrong values, 15% arbitrary text.
  const shares = [Math.ceil(rest * 0.45), Math.ceil(rest * 0.4)];
  const sizes = [shares[0] ?? 0, shares[1] ?? 0, rest - (shares[0] ?? 0) - (shares[1] ?? 0)];
  kinds.forEach(([kind, arb], k) => {
    const n = Math.max(0, sizes[k] ?? 0);
    fc.sample(arb, { numRuns: n, seed: seed + k }).forEach((text, i) => {
      cases.push({ name: `${kind}-${i}`, text });
    });
  });
  return cases.slice(0, count);
}
