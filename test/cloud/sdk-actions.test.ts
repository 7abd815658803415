/**
 * src/cloud/actions.ts lists every action sindri calls, so that each is served by dist/sdk.cjs: the
 * literal `call('product', 'Action')` sites in src/, the STS exchanges and the read probe's actions.
 * (test/cloud/sdk-load.test.ts checks the same at run time for the main commands.)
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SDK_ACTIONS } from '../../src/cloud/actions.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { packerReads } from '../../src/pipeline/permission-probe.ts';
import { repoRoot } from '../helpers/cli.ts';

const listed = (product: string, action: string) =>
  (SDK_ACTIONS as Record<string, readonly string[]>)[product]?.includes(action) ?? false;

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

describe('src/cloud/actions.ts', () => {
  it('lists every action called by name in src/', () => {
    const calls = new Set<string>();
    for (const file of sources(join(repoRoot, 'src'))) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\.call\(\s*['"](ecs|vpc|ram|sts)['"],\s*['"](\w+)['"]/g)) {
        calls.add(`${m[1]}:${m[2]}`);
      }
    }
    assert.ok(calls.size > 20, `found only ${calls.size} call sites`);
    assert.deepEqual(
      [...calls].filter((c) => !listed(...(c.split(':') as [string, string]))),
      [],
    );
  });

  it("lists the read probe's actions for old and new packer", () => {
    const { config } = resolveConfig({
      text: 'version: "1.0"\nname: probe\nproviders:\n  packer:\n    cloud: alibaba\n',
      displayFile: 'sindri.yaml',
      env: {},
    });
    for (const version of ['1.6.6', '1.11.2']) {
      const reads = packerReads(config, version);
      assert.ok(reads.length >= 3);
      assert.deepEqual(
        reads.filter((r) => !listed(...(r.split(':') as [string, string]))),
        [],
        `packer ${version}`,
      );
    }
  });

  it('lists the STS exchanges', () => {
    assert.ok(listed('sts', 'AssumeRole') && listed('sts', 'AssumeRoleWithOIDC'));
  });

  it('is sorted, without duplicates', () => {
    for (const [product, actions] of Object.entries(SDK_ACTIONS)) {
      assert.deepEqual([...actions], [...new Set(actions)].sort(), product);
    }
  });
});
