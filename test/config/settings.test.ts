/**
 * The settings table against the schema (same keys, flag kinds that fit the types), and the flags it
 * makes against the loader: a flag's value lands at its key, and a bad one is reported against the flag.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { overridesFromFlags, type SettingFlagValues, settingFlags } from '../../src/cli/flags.ts';
import { catalogueNames } from '../../src/config/catalogue.ts';
import { ConfigError } from '../../src/config/errors.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { type JsonSchema, loadSchema } from '../../src/config/schema.ts';
import {
  type ConfigOverrides,
  FLAG_SETTINGS,
  type FlagName,
  keyPath,
  SETTINGS,
  settingNames,
} from '../../src/config/settings.ts';

const top = loadSchema();

function resolveRef(s: JsonSchema): JsonSchema {
  const ref = s.$ref as string | undefined;
  if (!ref) return s;
  return { ...(top.$defs as Record<string, JsonSchema>)[ref.replace('#/$defs/', '')], ...s };
}

function schemaAt(key: string): JsonSchema | undefined {
  let node: JsonSchema | undefined = top;
  for (const name of keyPath(key)) {
    const props = (node?.properties ?? {}) as Record<string, JsonSchema>;
    node = props[name] ? resolveRef(props[name]) : undefined;
  }
  return node;
}

/** Every key of the schema that is not a table entry, inside one, or a mapping of further keys. */
function keysMissingFromTable(): string[] {
  const inTable = new Set<string>(SETTINGS.map((s) => s.key));
  const missing: string[] = [];
  const walk = (node: JsonSchema, prefix: string) => {
    for (const [name, raw] of Object.entries((node.properties ?? {}) as Record<string, JsonSchema>)) {
      const key = prefix ? `${prefix}.${name}` : name;
      const sub = resolveRef(raw);
      if (inTable.has(key)) continue;
      if (sub.properties) walk(sub, key);
      else missing.push(key);
    }
  };
  walk(top, '');
  return missing;
}

describe('the settings table', () => {
  it('has every key of the schema', () => {
    assert.deepEqual(keysMissingFromTable(), []);
  });

  it('has only keys of the schema, each once', () => {
    for (const { key } of SETTINGS) assert.ok(schemaAt(key), `${key} is not in the schema`);
    const keys = SETTINGS.map((s) => s.key);
    assert.equal(new Set(keys).size, keys.length);
  });

  it('gives each flag name and each packer attribute to one key', () => {
    const flags = FLAG_SETTINGS.map((s) => s.flag.name);
    assert.equal(new Set(flags).size, flags.length);
    const attributes = SETTINGS.flatMap((s) => ('packer' in s ? [s.packer] : []));
    assert.equal(new Set(attributes).size, attributes.length);
  });

  it('gives each flag a kind that fits the key type', () => {
    const expected = { string: 'string', integer: 'integer', boolean: 'boolean', list: 'array' };
    for (const { key, flag } of FLAG_SETTINGS) {
      const s = schemaAt(key) as JsonSchema;
      // A key may take more than one form (instance_type: a type or a ranked list); the flag sets one.
      assert.ok([s.type].flat().includes(expected[flag.kind]), `--${flag.name} (${key})`);
      if (flag.kind === 'list') assert.equal(resolveRef(s.items as JsonSchema).type, 'string');
    }
  });

  it('names every alibaba key for the template view', () => {
    const alibaba = schemaAt('providers.packer.alibaba') as JsonSchema;
    assert.deepEqual(
      [...settingNames('providers.packer.alibaba')].sort(),
      Object.keys(alibaba.properties as object).sort(),
    );
  });

  it('makes one oclif flag per flag setting, its help naming the key', () => {
    assert.deepEqual(
      Object.keys(settingFlags),
      FLAG_SETTINGS.map((s) => s.flag.name),
    );
    for (const { key, flag } of FLAG_SETTINGS) {
      assert.match(
        settingFlags[flag.name].description ?? '',
        new RegExp(`\\(${key.replace(/\./g, '\\.')}\\)`),
      );
    }
  });
});

const { profiles, extensions } = catalogueNames();
/** Valid values for every flag; the mapped type makes a new flag fail to compile until it is added here. */
const VALID: { [N in FlagName]: fc.Arbitrary<NonNullable<ConfigOverrides[N]>> } = {
  name: fc.stringMatching(/^[A-Za-z][A-Za-z0-9._:-]{1,20}$/).filter((s) => !/^https?:/.test(s)),
  region: fc.constantFrom('cn-shanghai', 'ap-southeast-1', 'eu-central-1'),
  'instance-type': fc.constantFrom('ecs.g7.large', 'ecs.c6.xlarge', 'ecs.t6-c1m1.large'),
  'disk-size': fc.integer({ min: 20, max: 2048 }),
  profile: fc.constantFrom(...profiles),
  extensions: fc.uniqueArray(fc.constantFrom(...extensions), { maxLength: 3 }),
  'cis-hardening': fc.boolean(),
};
/** A value each flag rejects, where there is one (a boolean cannot be wrong). */
const INVALID: { [N in FlagName]: ConfigOverrides[N] | undefined } = {
  name: '1-starts-with-a-digit',
  region: 'Hangzhou',
  'instance-type': 'g7.large',
  'disk-size': 5,
  profile: 'fulstack',
  extensions: ['dokcer'],
  'cis-hardening': undefined,
};

const FILE = [
  'name: from-file',
  'extensions:',
  '  profile: minimal',
  '  additional: [python]',
  'providers:',
  '  packer:',
  '    image_name: image-from-file',
  '    build:',
  '      security:',
  '        cis_hardening: false',
  '    alibaba:',
  '      region: cn-beijing',
  '      instance_type: ecs.g6.large',
  '      system_disk_size_gb: 60',
  '',
].join('\n');

function valueAt(root: unknown, key: string): unknown {
  return keyPath(key).reduce<unknown>((v, name) => (v as Record<string, unknown> | undefined)?.[name], root);
}

/** The command line's form of a value: a list is one comma-separated string, with stray spaces and commas. */
function asTyped(value: unknown, padding: string): string | number | boolean {
  return Array.isArray(value) ? `${padding},${value.join(`${padding},${padding}`)},` : (value as string);
}

describe('flags that set keys', () => {
  it('win over the file at their key; keys without a flag value keep the file', () => {
    const fileConfig = resolveConfig({ text: FILE, displayFile: 'sindri.yaml', env: {} }).config;
    fc.assert(
      fc.property(
        fc.record(VALID, { requiredKeys: [] }),
        fc.constantFrom('', ' ', '  '),
        (given, padding) => {
          const typed: SettingFlagValues = Object.fromEntries(
            Object.entries(given).map(([name, v]) => [name, asTyped(v, padding)]),
          );
          const { config } = resolveConfig({
            text: FILE,
            displayFile: 'sindri.yaml',
            env: {},
            overrides: overridesFromFlags(typed),
          });
          for (const { key, flag } of FLAG_SETTINGS) {
            const expected = flag.name in given ? given[flag.name] : valueAt(fileConfig, key);
            assert.deepEqual(valueAt(config, key), expected, `--${flag.name}`);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  for (const { key, flag } of FLAG_SETTINGS) {
    const bad = INVALID[flag.name];
    if (bad === undefined) continue;
    it(`--${flag.name}: a bad value is reported against the flag and ${key}`, () => {
      assert.throws(
        () =>
          resolveConfig({ text: FILE, displayFile: 'sindri.yaml', env: {}, overrides: { [flag.name]: bad } }),
        (err: unknown) => {
          assert.ok(err instanceof ConfigError);
          const [problem, ...rest] = err.problems;
          assert.deepEqual(rest, []);
          assert.equal(problem?.file, `--${flag.name}`);
          assert.equal(problem?.line, undefined);
          assert.ok(problem?.path.startsWith(key), `${problem?.path} is not at ${key}`);
          return true;
        },
      );
    });
  }
});
