import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { SindriConfig } from '../../src/config/types.ts';
import { loadCatalogue } from '../../src/render/catalogue.ts';
import { renderTemplate } from '../../src/render/render.ts';
import { RenderError } from '../../src/render/render-error.ts';
import { templatesDir } from '../../src/util/paths.ts';
import { makeConfig, RENDER_OPTS } from './fixtures.ts';

function withSources(additional: string[], extensions: Partial<SindriConfig['extensions']>): SindriConfig {
  const config = makeConfig({ additional });
  Object.assign(config.extensions, extensions);
  return config;
}

async function sourceVars(config: SindriConfig): Promise<string[]> {
  const r = await renderTemplate(config, RENDER_OPTS);
  return [...(r.files.get(r.mainFile) ?? '').matchAll(/"(SINDRI_EXTENSION_SOURCE_[A-Z_]+=\w+)"/g)].map(
    (m) => m[1] ?? '',
  );
}

async function renderFindings(config: SindriConfig): Promise<Array<{ path: string; message: string }>> {
  try {
    await renderTemplate(config, RENDER_OPTS);
  } catch (err) {
    if (err instanceof RenderError) return err.findings.map((f) => ({ path: f.path, message: f.message }));
    throw err;
  }
  assert.fail('rendering succeeded');
}

describe('extensions.source and extensions.sources', () => {
  it('default to upstream; an extension with only a distro source uses it', async () => {
    assert.deepEqual(await sourceVars(withSources(['docker', 'python', 'java'], {})), [
      'SINDRI_EXTENSION_SOURCE_DOCKER=upstream',
      'SINDRI_EXTENSION_SOURCE_PYTHON=distro',
      'SINDRI_EXTENSION_SOURCE_JAVA=distro',
    ]);
  });

  it('distro for all, upstream for one by name', async () => {
    const config = withSources(['docker', 'node', 'kubernetes'], {
      source: 'distro',
      sources: { node: 'upstream', kubernetes: 'upstream' },
    });
    assert.deepEqual(await sourceVars(config), [
      'SINDRI_EXTENSION_SOURCE_DOCKER=distro',
      'SINDRI_EXTENSION_SOURCE_NODE=upstream',
      'SINDRI_EXTENSION_SOURCE_KUBERNETES=upstream',
    ]);
  });

  it('distro for an extension without one fails at the key that asked for it, with the reason', async () => {
    assert.deepEqual(await renderFindings(withSources(['kubernetes'], { source: 'distro' })), [
      {
        path: 'extensions.source',
        message:
          'extension "kubernetes" has no distro source: Debian and Ubuntu do not package helm, and Ubuntu has kubectl only as a snap; choose upstream for it (extensions.sources.kubernetes: upstream)',
      },
    ]);
    const [finding] = await renderFindings(
      withSources(['monitoring'], { sources: { monitoring: 'distro' } }),
    );
    assert.equal(finding?.path, 'extensions.sources.monitoring');
    assert.match(finding?.message ?? '', /do not package Fluent Bit/);
  });

  it('names an unknown extension in sources', async () => {
    const [finding] = await renderFindings(withSources([], { sources: { dokcer: 'distro' } }));
    assert.equal(finding?.path, 'extensions.sources.dokcer');
    assert.match(finding?.message ?? '', /unknown extension "dokcer"/);
  });

  it('match the scripts: each source the catalogue offers is a branch of its script', async () => {
    const catalogue = await loadCatalogue();
    for (const [name, entry] of Object.entries(catalogue.extensions)) {
      const script = await readFile(join(templatesDir, 'scripts', 'extensions', `${name}.sh`), 'utf8');
      const offered = Object.keys(entry.sources);
      assert.ok(offered.length > 0, `${name} has no source`);
      assert.equal(entry.sources.distro === undefined, entry.no_distro !== undefined, `${name}: no_distro`);
      if (offered.length === 2) {
        assert.match(script, new RegExp(`SINDRI_EXTENSION_SOURCE_${name.toUpperCase()}:-upstream`), name);
        assert.match(script, /\n\s*distro\)/, `${name} has no distro branch`);
      }
    }
  });
});
