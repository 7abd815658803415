import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { docsFile, normaliseMarkdown, renderConfigDocs } from '../../scripts/config-docs.ts';
import { mappingDocFile, renderMappingTables, withMappingTables } from '../../scripts/mapping-docs.ts';
import { loadSchema } from '../../src/config/schema.ts';
import { SETTINGS } from '../../src/config/settings.ts';

describe('docs/configuration.md', () => {
  it('is up to date with the schema (run: node scripts/config-docs.ts)', () => {
    assert.equal(normaliseMarkdown(readFileSync(docsFile, 'utf8')), normaliseMarkdown(renderConfigDocs()));
  });

  it('has a row for every alibaba key', () => {
    const text = renderConfigDocs();
    const packer = (loadSchema().properties as Record<string, { properties: Record<string, unknown> }>)
      .providers?.properties.packer as {
      properties: Record<string, { properties?: Record<string, unknown> }>;
    };
    const keys = Object.keys(packer.properties.alibaba?.properties ?? {});
    assert.ok(keys.length > 20);
    for (const k of keys) assert.match(text, new RegExp(`^\\| \`${k}\` \\|`, 'm'), k);
  });
});

describe('docs/packer-mapping.md', () => {
  it('has the key tables of the settings table (run: node scripts/mapping-docs.ts)', () => {
    const text = readFileSync(mappingDocFile, 'utf8');
    assert.equal(normaliseMarkdown(text), normaliseMarkdown(withMappingTables(text)));
  });

  it('has a row for every setting', () => {
    const tables = renderMappingTables();
    for (const { key } of SETTINGS) {
      const name = key.replace(/^providers\.packer\.(alibaba\.|build\.)?/, '');
      assert.match(tables, new RegExp(`^\\| (\`[^|]+\`, )*\`${name.replace(/\./g, '\\.')}\``, 'm'), key);
    }
  });
});
