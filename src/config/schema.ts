import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ErrorObject, Options, ValidateFunction } from 'ajv';
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { packageRoot, schemasDir } from '../util/paths.ts';
import { didYouMean } from './suggest.ts';
import type { KeyPath } from './yaml.ts';

/** Annotation keywords sindri adds to the schema (documentation and error wording only). */
export const ANNOTATIONS = ['x-default', 'x-hint', 'x-messages', 'x-rule'] as const;

export interface SchemaRule {
  at?: string;
  message: string;
  hint?: string;
}

export interface SchemaIssue {
  /** Path of the offending value (or key). */
  path: KeyPath;
  /** Point at the key rather than the value (unknown keys, bad key names). */
  atKey: boolean;
  message: string;
  hint?: string;
}

export type JsonSchema = Record<string, unknown>;

// ajv is CommonJS: required on first use, so that importing this module stays cheap.
const require = createRequire(import.meta.url);

let cachedText: string | undefined;
let cachedSchema: JsonSchema | undefined;
let cachedValidate: ValidateFunction | undefined;

function schemaText(): string {
  cachedText ??= readFileSync(join(schemasDir, 'sindri.schema.json'), 'utf8');
  return cachedText;
}

export function loadSchema(): JsonSchema {
  cachedSchema ??= JSON.parse(schemaText()) as JsonSchema;
  return cachedSchema;
}

const AJV_OPTIONS: Options = {
  allErrors: true,
  verbose: true,
  useDefaults: true,
  $data: true,
  strict: true,
  strictRequired: false,
  strictTypes: false,
};

/** An ajv instance with sindri's options and annotation keywords (`code` for standalone output). */
export function newAjv(extra: Options = {}): Ajv2020 {
  const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
  const ajv = new Ajv({ ...AJV_OPTIONS, ...extra });
  for (const keyword of ANNOTATIONS) ajv.addKeyword({ keyword });
  return ajv;
}

/** The validator `npm run build` compiled ahead (scripts/build-validator.ts), with the schema's digest. */
export const PRECOMPILED_VALIDATOR = join(packageRoot, 'dist', 'schema-validator.cjs');

export function schemaDigest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The compiled validator, once per process; it fills in schema defaults. Compiling the schema takes
 * about 0.1 s, so the build compiles it ahead; that code is used while it was made from this very
 * schema (its digest matches), else the schema is compiled here.
 */
export function validator(): ValidateFunction {
  if (!cachedValidate) {
    if (existsSync(PRECOMPILED_VALIDATOR)) {
      const ahead = require(PRECOMPILED_VALIDATOR) as ValidateFunction & {
        digest: string;
      };
      if (ahead.digest === schemaDigest(schemaText())) cachedValidate = ahead;
    }
    cachedValidate ??= newAjv().compile(loadSchema());
  }
  return cachedValidate;
}

function pointerToPath(pointer: string): KeyPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

export function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (typeof value === 'string') {
    const shown = value.length > 40 ? `${value.slice(0, 37)}...` : value;
    return JSON.stringify(shown);
  }
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping of keys',
  array: 'a list',
};

function typeHint(expected: string, data: unknown): string | undefined {
  if (expected === 'string' && (typeof data === 'number' || typeof data === 'boolean'))
    return `quote it: "${String(data)}"`;
  if (expected === 'boolean' && typeof data === 'string') return 'write true or false, without quotes';
  if (
    (expected === 'integer' || expected === 'number') &&
    typeof data === 'string' &&
    data.trim() !== '' &&
    !Number.isNaN(Number(data))
  )
    return `remove the quotes: ${data.trim()}`;
  if (expected === 'integer' && typeof data === 'number') return 'use a whole number';
  if ((expected === 'object' || expected === 'array') && data === null)
    return 'add entries under it, or remove the key';
  if (expected === 'array' && typeof data === 'string') return `write a list, e.g. [${data}]`;
  return undefined;
}

function schemaOf(e: ErrorObject): JsonSchema {
  return (e.parentSchema ?? {}) as JsonSchema;
}

function customMessage(e: ErrorObject): string | undefined {
  const messages = schemaOf(e)['x-messages'] as Record<string, string> | undefined;
  return messages?.[e.keyword];
}

function ruleOf(e: ErrorObject): SchemaRule | undefined {
  return schemaOf(e)['x-rule'] as SchemaRule | undefined;
}

function translate(e: ErrorObject): SchemaIssue | undefined {
  const base = pointerToPath(e.instancePath);
  const propertyName = (e as ErrorObject & { propertyName?: string }).propertyName;
  const data = e.data;
  const got = `, got ${describeValue(data)}`;
  const schemaHint = schemaOf(e)['x-hint'] as string | undefined;
  const issue = (message: string, hint?: string, path: KeyPath = base, atKey = false): SchemaIssue => {
    const h = hint ?? schemaHint;
    return { path, atKey, message, ...(h ? { hint: h } : {}) };
  };
  const rule = ruleOf(e);

  if (propertyName !== undefined) {
    // An error about a key name (propertyNames): point at the key.
    const path = [...base, propertyName];
    if (rule) return issue(rule.message, rule.hint, path, true);
    const custom = customMessage(e);
    if (e.keyword === 'maxLength')
      return issue(
        `key "${propertyName}" is longer than ${e.params.limit} characters`,
        undefined,
        path,
        true,
      );
    if (e.keyword === 'minLength') return issue('keys must not be empty', undefined, path, true);
    return issue(custom ?? `key "${propertyName}" ${e.message ?? 'is not allowed'}`, undefined, path, true);
  }

  switch (e.keyword) {
    case 'propertyNames':
      return undefined; // the inner error says what is wrong
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const allowed = Object.keys((schemaOf(e).properties ?? {}) as object);
      const guess = didYouMean(key, allowed);
      const hint = guess ? `did you mean "${guess}"?` : `allowed keys: ${allowed.join(', ')}`;
      return issue(`unknown key "${key}"`, hint, [...base, key], true);
    }
    case 'required':
      return issue(`missing required key "${e.params.missingProperty}"`, undefined, [
        ...base,
        String(e.params.missingProperty),
      ]);
    case 'type': {
      const expected = String(e.params.type);
      return issue(
        `must be ${TYPE_NAMES[expected] ?? expected}${got}`,
        schemaHint ?? typeHint(expected, data),
      );
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const guess = typeof data === 'string' ? didYouMean(data, allowed) : undefined;
      return issue(
        `must be one of: ${allowed.join(', ')}${got}`,
        guess ? `did you mean "${guess}"?` : undefined,
      );
    }
    case 'const':
      return issue(customMessage(e) ?? `must be ${JSON.stringify(e.params.allowedValue)}${got}`);
    case 'pattern':
      return issue(`${customMessage(e) ?? `must match ${e.params.pattern}`}${got}`);
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum': {
      const words: Record<string, string> = {
        minimum: 'at least',
        exclusiveMinimum: 'greater than',
        maximum: 'at most',
        exclusiveMaximum: 'less than',
      };
      return issue(`must be ${words[e.keyword]} ${e.params.limit}${got}`);
    }
    case 'minLength':
      return issue(`must be at least ${e.params.limit} characters long${got}`);
    case 'maxLength':
      return issue(`must be at most ${e.params.limit} characters long (it has ${String(data).length})`);
    case 'minItems':
    case 'minProperties':
      return issue(`must have at least ${e.params.limit} ${e.params.limit === 1 ? 'entry' : 'entries'}`);
    case 'maxItems':
    case 'maxProperties':
      return issue(
        `${customMessage(e) ?? `must have at most ${e.params.limit} entries`} (it has ${Object.keys(data ?? {}).length})`,
      );
    case 'uniqueItems': {
      const i = Number(e.params.i);
      const j = Number(e.params.j);
      const item = Array.isArray(data) ? data[i] : undefined;
      const [later, earlier] = i > j ? [i, j] : [j, i];
      return issue(
        `${describeValue(item)} is listed twice (items ${earlier + 1} and ${later + 1})`,
        'remove the duplicate',
        [...base, later],
      );
    }
    case 'if':
    case 'not':
      if (rule) {
        return issue(rule.message, rule.hint, rule.at ? [...base, rule.at] : base);
      }
      return issue(customMessage(e) ?? e.message ?? 'is not allowed', undefined);
    case 'anyOf':
    case 'oneOf':
      return issue('does not match any allowed form');
    default:
      return issue(e.message ?? `fails ${e.keyword}`);
  }
}

/** Turn ajv's errors into one issue per real problem (no duplicates, no echo of `then` branches). */
export function collapseErrors(errors: ErrorObject[]): SchemaIssue[] {
  const thenPrefixes = errors
    .filter((e) => e.keyword === 'if' && ruleOf(e))
    .map((e) => `${e.schemaPath.replace(/\/if$/, '')}/then`);
  // A value of the wrong type fails its other keywords too: report only the type.
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const out: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    if (thenPrefixes.some((p) => e.schemaPath.startsWith(`${p}/`))) continue;
    if (e.keyword !== 'type' && wrongType.has(e.instancePath) && !('propertyName' in e)) continue;
    const issue = translate(e);
    if (!issue) continue;
    const key = `${JSON.stringify(issue.path)}|${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(issue);
  }
  return out;
}

/** Validate (and default) `data` in place. */
export function validateSchema(data: unknown): SchemaIssue[] {
  const validate = validator();
  if (validate(data)) return [];
  return collapseErrors(validate.errors ?? []);
}
