/**
 * Rendering a loaded sindri.yaml: what the builder cannot do becomes a configuration problem at the
 * key in the file; the template can be written into a private temporary directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from '../config/errors.ts';
import type { LoadedConfig } from '../config/load.ts';
import { problemAt } from '../config/problem-at.ts';
import type { PackerBinary } from '../packer/binary.ts';
import { type RenderedTemplate, renderTemplate, writeTemplate } from './render.ts';
import { RenderError } from './render-error.ts';

export async function renderConfig(
  loaded: LoadedConfig,
  packer: PackerBinary,
  ids: { buildId: string; sindriVersion: string; vpcId?: string | undefined },
): Promise<RenderedTemplate> {
  try {
    return await renderTemplate(loaded.config, {
      packerVersion: packer.version,
      buildId: ids.buildId,
      sindriVersion: ids.sindriVersion,
      configDir: dirname(loaded.file),
      ...(ids.vpcId ? { vpcId: ids.vpcId } : {}),
    });
  } catch (err) {
    // What the builder cannot do is a configuration problem: point at the key in sindri.yaml, as
    // `validate` does, whichever command rendered it.
    if (err instanceof RenderError) {
      throw new ConfigError(err.findings.map((f) => problemAt(loaded, f.path, f.message)));
    }
    throw err;
  }
}

/** A private (0700) temporary directory holding the rendered template; `dispose` removes it. */
export async function writeToPrivateDir(
  rendered: RenderedTemplate,
): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sindri-'));
  await writeTemplate(rendered, dir);
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}
