import { ConfigError, type ConfigProblem } from '../config/errors.ts';
import type { LoadedConfig } from '../config/load.ts';
import { problemAt } from '../config/problem-at.ts';
import { SindriError } from '../errors.ts';
import { type PackerBinary, packerSupportsRequiredPlugins } from '../packer/binary.ts';
import { packerInit } from '../packer/run.ts';
import { annotateDiagnostics, packerValidate } from '../packer/validate.ts';
import { renderConfig, writeToPrivateDir } from '../render/config.ts';
import { DEFAULT_BUILD_ID } from '../render/render.ts';
import { RenderError } from '../render/render-error.ts';

/**
 * Placeholder credentials for `packer validate`: validation needs no cloud access, so real secrets are
 * never handed to it.
 */
function validateEnv(region: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    ALICLOUD_ACCESS_KEY: 'validate-only',
    ALICLOUD_SECRET_KEY: 'validate-only',
    ALICLOUD_REGION: region,
  };
}

export interface TemplateCheck {
  configHash: string;
  problems: ConfigProblem[];
  warnings: ConfigProblem[];
}

/** Renders the configuration and runs the real `packer validate` on it; problems point into sindri.yaml. */
export async function checkRenderedTemplate(
  loaded: LoadedConfig,
  packer: PackerBinary,
  opts: { syntaxOnly: boolean; sindriVersion: string },
): Promise<TemplateCheck> {
  let rendered: Awaited<ReturnType<typeof renderConfig>>;
  try {
    rendered = await renderConfig(loaded, packer, {
      buildId: DEFAULT_BUILD_ID,
      sindriVersion: opts.sindriVersion,
    });
  } catch (err) {
    if (err instanceof RenderError) {
      throw new ConfigError(err.findings.map((f) => problemAt(loaded, f.path, f.message)));
    }
    throw err;
  }
  const warnings = rendered.warnings.map((f) => problemAt(loaded, f.path, f.message));
  const workdir = await writeToPrivateDir(rendered);
  try {
    const region = loaded.config.providers.packer.alibaba.region;
    if (!opts.syntaxOnly && packerSupportsRequiredPlugins(packer.version)) {
      // A full validate of packer >= 1.7 needs the alicloud plugin installed.
      const init = await packerInit({
        packerPath: packer.path,
        dir: workdir.dir,
        file: rendered.mainFile,
        env: validateEnv(region),
      });
      if (!init.ok) {
        throw new SindriError(`packer init failed:\n${init.output.trim()}`, {
          actions: [
            'install the plugin with `packer plugins install github.com/hashicorp/alicloud`, or validate with --syntax-only',
          ],
          code: 'PackerInitFailed',
        });
      }
    }
    const result = await packerValidate(workdir.dir, rendered.mainFile, {
      syntaxOnly: opts.syntaxOnly,
      env: validateEnv(region),
      args: rendered.packerArgs,
      packerPath: packer.path,
    });
    const template = rendered.files.get(rendered.mainFile) ?? '';
    const problems = annotateDiagnostics(result.diagnostics, template)
      .filter((d) => d.severity === 'error')
      .map((d) => {
        const message = `packer validate: ${d.summary}${d.detail ? ` — ${d.detail}` : ''}`;
        return d.configKey
          ? problemAt(loaded, d.configKey, message)
          : problemAt(loaded, '', message, 'this part of the template is sindri’s own; please report it');
      });
    return { configHash: rendered.configHash, problems, warnings };
  } finally {
    await workdir.dispose();
  }
}
