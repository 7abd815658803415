/**
 * Generates docs/configuration.md from schemas/sindri.schema.json (and the flags from src/config/settings.ts).
 *   node scripts/config-docs.ts          write the file
 *   node scripts/config-docs.ts --check  exit 1 if the committed file is out of date
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type JsonSchema, loadSchema, type SchemaRule } from '../src/config/schema.ts';
import { FLAG_SETTINGS } from '../src/config/settings.ts';
import { packageRoot } from '../src/util/paths.ts';

export const docsFile = join(packageRoot, 'docs', 'configuration.md');

function resolveRef(s: JsonSchema, top: JsonSchema): JsonSchema {
  const ref = s.$ref as string | undefined;
  if (!ref) return s;
  const def = (top.$defs as Record<string, JsonSchema>)[ref.replace('#/$defs/', '')] ?? {};
  // the referring schema's own description wins over the definition's
  const messages = { ...(def['x-messages'] as object), ...(s['x-messages'] as object) };
  return { ...def, ...s, 'x-messages': messages };
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(v: unknown): string {
  return `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;
}

function typeOf(s: JsonSchema, top: JsonSchema): string {
  if (s.type === 'array') {
    const items = resolveRef((s.items ?? {}) as JsonSchema, top);
    return items.type === 'object' ? 'list of mappings' : `list of ${String(items.type ?? 'any')}`;
  }
  if (s.type === 'object') {
    const extra = s.additionalProperties;
    if (extra && typeof extra === 'object') return `map of ${String((extra as JsonSchema).type ?? 'any')}`;
    return 'mapping';
  }
  return String(s.type ?? 'any');
}

function defaultOf(s: JsonSchema): string {
  if (typeof s['x-default'] === 'string') return s['x-default'] as string;
  if (!('default' in s)) return '';
  const d = s.default;
  if (d && typeof d === 'object' && !Array.isArray(d) && Object.keys(d).length === 0 && s.type === 'object')
    return s.additionalProperties === false ? '' : '`{}`';
  return code(d);
}

function constraintsOf(s: JsonSchema, top: JsonSchema): string {
  const out: string[] = [];
  const msgs = (s['x-messages'] ?? {}) as Record<string, string>;
  if (Array.isArray(s.enum)) out.push(`one of ${s.enum.map(code).join(', ')}`);
  if ('const' in s) out.push(`only ${code(s.const)}`);
  if (s.minimum !== undefined && s.maximum !== undefined) out.push(`${s.minimum}–${s.maximum}`);
  else if (s.minimum !== undefined) out.push(`≥ ${s.minimum}`);
  else if (s.maximum !== undefined) out.push(`≤ ${s.maximum}`);
  if (s.exclusiveMinimum !== undefined) out.push(`> ${s.exclusiveMinimum}`);
  if (s.maxLength !== undefined) out.push(`${s.minLength ?? 0}–${s.maxLength} characters`);
  else if (s.minLength === 1) out.push('not empty');
  else if (s.minLength !== undefined) out.push(`at least ${s.minLength} characters`);
  if (typeof s.pattern === 'string') out.push(msgs.pattern ?? `matches ${code(s.pattern)}`);
  if (s.not && msgs.not) out.push(msgs.not);
  if (s.uniqueItems) out.push('no duplicates');
  if (s.maxProperties !== undefined) out.push(`at most ${s.maxProperties} entries`);
  if (s.minProperties !== undefined) out.push(`at least ${s.minProperties} entry`);
  if (s.type === 'array' && s.items) {
    const items = resolveRef(s.items as JsonSchema, top);
    const inner = constraintsOf({ ...items, uniqueItems: undefined }, top);
    if (inner) out.push(`each item: ${inner}`);
    if (Array.isArray(items.required)) out.push(`each item needs ${items.required.map(code).join(', ')}`);
  }
  const names = s.propertyNames as JsonSchema | undefined;
  if (names) {
    const nameRules: string[] = [];
    const nm = (names['x-messages'] ?? {}) as Record<string, string>;
    if (nm.pattern) nameRules.push(nm.pattern);
    if (names.maxLength !== undefined)
      nameRules.push(`${names.minLength ?? 1}–${names.maxLength} characters`);
    for (const r of (names.allOf ?? []) as JsonSchema[]) {
      const rule = r['x-rule'] as SchemaRule | undefined;
      if (rule) nameRules.push(rule.message);
    }
    if (nameRules.length) out.push(`keys: ${nameRules.join('; ')}`);
  }
  const extra = s.additionalProperties;
  if (extra && typeof extra === 'object') {
    const inner = constraintsOf(extra as JsonSchema, top);
    if (inner) out.push(`values: ${inner}`);
  }
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  if (s.type === 'object' && s.additionalProperties !== false) {
    for (const [k, v] of Object.entries(props)) {
      const m = (v['x-messages'] ?? {}) as Record<string, string>;
      if (m.const) out.push(`${k}: ${m.const}`);
    }
  }
  return out.join('; ');
}

interface Section {
  path: string;
  schema: JsonSchema;
}

function sections(s: JsonSchema, top: JsonSchema, path: string, out: Section[]): void {
  out.push({ path, schema: s });
  for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, JsonSchema>)) {
    const sub = resolveRef(v, top);
    const p = path ? `${path}.${k}` : k;
    if (sub.type === 'object' && sub.additionalProperties === false) sections(sub, top, p, out);
    if (sub.type === 'array') {
      const items = resolveRef((sub.items ?? {}) as JsonSchema, top);
      if (items.type === 'object' && items.properties) sections(items, top, `${p}[]`, out);
    }
  }
}

export function renderConfigDocs(): string {
  const top = loadSchema();
  const all: Section[] = [];
  sections(top, top, '', all);
  const lines: string[] = [
    '# sindri.yaml reference',
    '',
    '<!-- Generated by scripts/config-docs.ts from schemas/sindri.schema.json and src/config/settings.ts. Do not edit by hand. -->',
    '',
    String(top.description ?? ''),
    '',
    'sindri reads `--config FILE`, else `./sindri.yaml`. Values are taken, in order of precedence, from',
    'command-line flags, the file, the environment (`ALICLOUD_REGION`, `ALIBABA_CLOUD_REGION_ID`,',
    '`ALIBABA_CLOUD_REGION`, for the region only) and the defaults below.',
    'Every key is optional. Unknown keys are errors. `sindri.example.yaml` shows every key.',
    '',
    'The flags that set a key:',
    '',
    ...FLAG_SETTINGS.map(({ key, flag }) => `- \`--${flag.name}\`: \`${key}\``),
    '',
    'Profiles and extensions are the names in `templates/catalogue.yaml`.',
    '',
  ];
  for (const sec of all) {
    const props = (sec.schema.properties ?? {}) as Record<string, JsonSchema>;
    lines.push(`## ${sec.path ? `\`${sec.path}\`` : 'Top level'}`, '');
    if (sec.path && sec.schema.description) lines.push(String(sec.schema.description), '');
    lines.push('| Key | Type | Default | Description | Constraints |', '|---|---|---|---|---|');
    for (const [k, raw] of Object.entries(props)) {
      const s = resolveRef(raw, top);
      lines.push(
        `| \`${k}\` | ${cell(typeOf(s, top))} | ${cell(defaultOf(s))} | ${cell(String(s.description ?? ''))} | ${cell(constraintsOf(s, top))} |`,
      );
    }
    const rules = ((sec.schema.allOf ?? []) as JsonSchema[])
      .map((r) => r['x-rule'] as SchemaRule | undefined)
      .filter((r): r is SchemaRule => r !== undefined);
    if (rules.length) {
      lines.push('', 'Rules between keys:', '');
      for (const r of rules) lines.push(`- ${r.message}.`);
    }
    if (sec.path === 'providers.packer.alibaba')
      lines.push(
        '- `region` and every `image_copy_regions` entry must be an ECS region: a typo or a name no region has is an error (with the closest region), a name shaped like a region but not in sindri\'s list a warning; the build asks DescribeRegions before packer starts (docs/troubleshooting.md, "Regions").',
        '- `zone_id` must be a zone of `region`.',
        '- `image_copy_regions` must not contain the build region.',
        '- Files named by `user_data_file` (and `build.scripts`, `build.files[].source`) must exist, relative to sindri.yaml.',
      );
    lines.push('');
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** Compare generated and committed docs without caring about table padding. */
export function normaliseMarkdown(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line.startsWith('|')
        ? line
            .split(/(?<!\\)\|/)
            .map((c) => c.trim().replace(/^-+$/, '---'))
            .join('|')
        : line,
    )
    .join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = renderConfigDocs();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(docsFile, 'utf8');
    } catch {
      current = '';
    }
    if (normaliseMarkdown(current) !== normaliseMarkdown(text)) {
      process.stderr.write('docs/configuration.md is out of date: run node scripts/config-docs.ts\n');
      process.exit(1);
    }
  } else {
    writeFileSync(docsFile, text);
  }
}
