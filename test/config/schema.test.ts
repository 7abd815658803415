import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { type JsonSchema, loadSchema } from '../../src/config/schema.ts';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Key {
  path: string;
  name: string;
  schema: JsonSchema;
}

function resolveRef(schema: JsonSchema, top: JsonSchema): JsonSchema {
  const ref = schema.$ref as string | undefined;
  if (!ref) return schema;
  const def = (top.$defs as Record<string, JsonSchema>)[ref.replace('#/$defs/', '')] ?? {};
  return { ...def, ...schema };
}

function keys(schema: JsonSchema, top: JsonSchema, prefix = ''): Key[] {
  const out: Key[] = [];
  const s = resolveRef(schema, top);
  const props = (s.properties ?? {}) as Record<string, JsonSchema>;
  const items = s.items as JsonSchema | undefined;
  if (items && (items.properties || items.$ref)) out.push(...keys(items, top, `${prefix}[]`));
  // A list of alternatives (the test stage's checks): every branch's keys, under the same path.
  for (const branch of (items?.oneOf ?? []) as JsonSchema[]) out.push(...keys(branch, top, `${prefix}[]`));
  for (const [name, sub] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${name}` : name;
    out.push({ path, name, schema: resolveRef(sub, top) }, ...keys(sub, top, path));
  }
  return out;
}

const schema = loadSchema();
const all = keys(schema, schema).filter((k) => !k.path.startsWith('providers.packer.tags.'));

function walkObjects(s: JsonSchema, visit: (s: JsonSchema, at: string) => void, at = '#'): void {
  visit(s, at);
  for (const [k, v] of Object.entries(s)) {
    if (
      v &&
      typeof v === 'object' &&
      !Array.isArray(v) &&
      k !== 'x-rule' &&
      k !== 'x-messages' &&
      k !== 'default'
    )
      walkObjects(v as JsonSchema, visit, `${at}/${k}`);
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries())
        if (x && typeof x === 'object') walkObjects(x, visit, `${at}/${k}/${i}`);
    }
  }
}

describe('schema', () => {
  it('is JSON Schema 2020-12', () => {
    assert.equal(schema.$schema, 'https://json-schema.org/draft/2020-12/schema');
  });

  it('describes every key', () => {
    const missing = all.filter(
      (k) => typeof k.schema.description !== 'string' || k.schema.description === '',
    );
    assert.deepEqual(
      missing.map((k) => k.path),
      [],
    );
  });

  it('closes every object (additionalProperties: false, or a schema for free-form maps)', () => {
    const open: string[] = [];
    walkObjects(schema, (s, at) => {
      if (s.type === 'object' && s.additionalProperties === undefined) open.push(at);
      if (s.type === 'object' && s.additionalProperties === true) open.push(at);
    });
    assert.deepEqual(open, []);
  });

  it('has every key the guide shows', () => {
    const paths = new Set(all.map((k) => k.path));
    const guide = `version name deployment.provider extensions.profile extensions.additional
      providers.packer.cloud providers.packer.image_name providers.packer.description
      providers.packer.build.sindri_version providers.packer.build.cache providers.packer.build.ssh_timeout
      providers.packer.build.security.cis_hardening providers.packer.build.security.clean_sensitive_data
      providers.packer.build.security.remove_ssh_keys providers.packer.tags`.split(/\s+/);
    const alibaba =
      `region instance_type system_disk_size_gb system_disk_category system_disk_performance_level
      vswitch_id security_group_id image_encrypted image_copy_regions image_share_accounts spot_strategy
      spot_price_limit associate_public_ip_address internet_charge_type internet_max_bandwidth_out`
        .split(/\s+/)
        .map((k) => `providers.packer.alibaba.${k}`);
    for (const p of [...guide, ...alibaba]) assert.ok(paths.has(p), `schema lacks ${p}`);
  });

  it('stays in sync with src/config/types.ts', () => {
    const types = readFileSync(join(root, 'src', 'config', 'types.ts'), 'utf8');
    const declared = new Set([...types.matchAll(/(?:^\s+|[{;]\s*)([a-z_]+)\??:/gm)].map((m) => m[1]));
    const inSchema = new Set(all.map((k) => k.name));
    const notInTypes = [...inSchema].filter((n) => !declared.has(n));
    const notInSchema = [...declared].filter((n) => n !== undefined && !inSchema.has(n));
    assert.deepEqual(notInTypes, [], 'schema keys missing from types.ts');
    assert.deepEqual(notInSchema, [], 'types.ts keys missing from the schema');
  });

  it('sindri.example.yaml mentions every key (set, or commented out as an alternative)', () => {
    const text = readFileSync(join(root, 'sindri.example.yaml'), 'utf8');
    const active = new Set<string>();
    const collect = (v: unknown, prefix: string) => {
      if (Array.isArray(v)) for (const x of v) collect(x, `${prefix}[]`);
      else if (v && typeof v === 'object')
        for (const [k, x] of Object.entries(v)) {
          const p = prefix ? `${prefix}.${k}` : k;
          active.add(p);
          collect(x, p);
        }
    };
    collect(parse(text), '');
    const commented = new Set([...text.matchAll(/^\s*#\s*(?:- )?([a-z_]+):/gm)].map((m) => m[1]));
    const absent = all
      .filter((k) => !k.path.includes('.environment.'))
      .filter((k) => !active.has(k.path) && !commented.has(k.name))
      .map((k) => k.path);
    assert.deepEqual(absent, []);
  });
});
