/**
 * The rules the real cloud sets on an image's configuration: a shared encrypted image needs a
 * customer master key in every region it reaches, and an image carries at most 20 tags, sindri's own
 * included.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError } from '../../src/config/errors.ts';
import { loadConfig, resolveConfig } from '../../src/config/load.ts';
import { loadSchema } from '../../src/config/schema.ts';
import {
  MAX_TAGS_PER_RESOURCE,
  MAX_USER_TAGS,
  REGISTRY_TAG_SLOTS,
  SINDRI_IMAGE_TAG_KEYS,
  SINDRI_TAG_BUDGET,
} from '../../src/images/tags.ts';
import { repoRoot } from '../helpers/cli.ts';

const fixtures = join(repoRoot, 'test', 'fixtures', 'config');

function problems(text: string) {
  try {
    resolveConfig({ text, displayFile: 'sindri.yaml', env: {} });
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems;
  }
}

const REGIONS = ['cn-hangzhou', 'cn-shanghai', 'cn-beijing', 'ap-southeast-1'];
const KEY = 'key-hzz62f1cb66fa42qo9vab';

describe('encrypted images that are shared need a customer master key', () => {
  it("refuses the guide's production configuration at image_encrypted (line 40) with the fix", async () => {
    const err = await loadConfig({ configPath: join(fixtures, 'guide-production.yaml'), env: {} }).then(
      () => assert.fail('expected a ConfigError'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError);
    assert.equal(err.exitCode, 2);
    assert.equal(err.problems.length, 1, err.message);
    const [p] = err.problems;
    assert.equal(p?.path, 'providers.packer.alibaba.image_encrypted');
    assert.equal(p?.line, 40);
    assert.match(p?.message ?? '', /default service key.*cannot be shared/);
    assert.match(p?.hint ?? '', /kms_key_ids .*cn-hangzhou, cn-shanghai, cn-beijing/);
  });

  it('accepts it with a key per region', async () => {
    const { config } = await loadConfig({ configPath: join(fixtures, 'guide-production-kms.yaml'), env: {} });
    assert.deepEqual(Object.keys(config.providers.packer.alibaba.kms_key_ids ?? {}).sort(), [
      'cn-beijing',
      'cn-hangzhou',
      'cn-shanghai',
    ]);
  });

  it('is refused exactly when it is encrypted, shared, and some region it reaches has no key', () => {
    fc.assert(
      fc.property(
        fc.subarray(REGIONS.slice(1)),
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.subarray(REGIONS),
        (copies, encrypted, shared, fallback, keyed) => {
          const reached = ['cn-hangzhou', ...copies];
          const perRegion = keyed.filter((r) => reached.includes(r));
          const alibaba: Record<string, unknown> = {
            region: 'cn-hangzhou',
            image_copy_regions: copies,
            image_encrypted: encrypted,
            ...(shared ? { image_share_accounts: ['1234567890123456'] } : {}),
            ...(encrypted && fallback ? { kms_key_id: KEY } : {}),
            ...(encrypted && perRegion.length > 0
              ? { kms_key_ids: Object.fromEntries(perRegion.map((r) => [r, KEY])) }
              : {}),
          };
          const text = stringify({ providers: { packer: { alibaba } } });
          const refused = problems(text).filter((p) => /cannot be shared/.test(p.message));
          const keyless = reached.some((r) => !perRegion.includes(r));
          assert.equal(refused.length, encrypted && shared && !fallback && keyless ? 1 : 0, text);
        },
      ),
    );
  });
});

describe('tags: 20 per resource, sindri’s own included', () => {
  it('leaves the user what sindri does not use, in one place', () => {
    assert.equal(MAX_TAGS_PER_RESOURCE, 20);
    assert.equal(SINDRI_TAG_BUDGET, SINDRI_IMAGE_TAG_KEYS.length + REGISTRY_TAG_SLOTS);
    assert.equal(MAX_USER_TAGS, MAX_TAGS_PER_RESOURCE - SINDRI_TAG_BUDGET);
    const schema = loadSchema() as {
      properties: {
        providers: { properties: { packer: { properties: { tags: Record<string, unknown> } } } };
      };
    };
    const tags = schema.properties.providers.properties.packer.properties.tags;
    assert.equal(tags.maxProperties, MAX_USER_TAGS, 'schemas/sindri.schema.json tags.maxProperties');
    const text = `${JSON.stringify(tags['x-messages'])} ${String(tags.description)}`;
    assert.ok(text.includes(`at most ${MAX_USER_TAGS}`), text);
    assert.ok(text.includes(`${SINDRI_TAG_BUDGET} of its own`), text);
    assert.ok(text.includes(`up to ${SINDRI_IMAGE_TAG_KEYS.length} at build time`), text);
    assert.ok(text.includes(`${REGISTRY_TAG_SLOTS} for the registry`), text);
    for (const key of SINDRI_IMAGE_TAG_KEYS) assert.ok(String(tags.description).includes(key), key);
    const docs = readFileSync(join(repoRoot, 'docs', 'configuration.md'), 'utf8');
    assert.match(docs, new RegExp(`at most ${MAX_USER_TAGS} entries`));
  });

  it('accepts as many tags as are left and refuses one more', () => {
    const withTags = (n: number) =>
      stringify({
        providers: {
          packer: { tags: Object.fromEntries(Array.from({ length: n }, (_, i) => [`team${i}`, 'web'])) },
        },
      });
    assert.deepEqual(problems(withTags(MAX_USER_TAGS)), []);
    const refused = problems(withTags(MAX_USER_TAGS + 1));
    assert.equal(refused.length, 1);
    assert.equal(refused[0]?.path, 'providers.packer.tags');
    assert.match(refused[0]?.message ?? '', /at most 8 tags.*\(it has 9\)/);
  });
});
