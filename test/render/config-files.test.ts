/**
 * The guide's examples as YAML files and the full sindri.example.yaml, loaded by the real loader,
 * rendered, and checked by the real packer validate.
 */
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.ts';
import { findPacker } from '../../src/packer/binary.ts';
import { packerValidate } from '../../src/packer/validate.ts';
import { renderTemplate, writeTemplate } from '../../src/render/render.ts';
import { packageRoot } from '../../src/util/paths.ts';
import { packerEnv, RENDER_OPTS, withTempDir } from './fixtures.ts';

const FILES = [
  'test/fixtures/config/guide-basic.yaml',
  'test/fixtures/config/guide-production-kms.yaml',
  'test/fixtures/config/guide-multi-region.yaml',
  'test/fixtures/config/guide-cost-optimized.yaml',
  'sindri.example.yaml',
];

const packer = await findPacker(packerEnv());
if (!packer) throw new Error('these tests need the real packer on PATH (apt-get install -y packer)');

describe('configuration files render to templates packer accepts', () => {
  for (const rel of FILES) {
    it(rel, async () => {
      const file = join(packageRoot, rel);
      const loaded = await loadConfig({ configPath: file, cwd: packageRoot, env: { HOME: '/nonexistent' } });
      const r = await renderTemplate(loaded.config, {
        ...RENDER_OPTS,
        packerVersion: packer.version,
        configDir: dirname(file),
      });
      await withTempDir(async (dir) => {
        await writeTemplate(r, dir);
        const res = await packerValidate(dir, r.mainFile, {
          syntaxOnly: false,
          env: packerEnv(),
          args: r.packerArgs,
        });
        assert.equal(res.ok, true, res.raw);
      });
    });
  }
});
