import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { configFlag, overridesFromFlags, settingFlags } from '../../cli/flags.ts';
import { loadConfig } from '../../config/load.ts';
import { findPacker, RENDER_WITHOUT_PACKER } from '../../packer/binary.ts';
import { renderConfig, writeToPrivateDir } from '../../render/config.ts';
import { writeTemplate } from '../../render/render.ts';

export default class Template extends SindriCommand {
  static override summary = 'Render the Packer template and its provisioning scripts';
  static override description =
    'Writes the template into a new private temporary directory (or --out DIR) and prints its path. ' +
    'With --out - the HCL template is printed to stdout. Credentials are never written.';
  static override examples = [
    '<%= config.bin %> packer template',
    '<%= config.bin %> packer template --out ./build',
    '<%= config.bin %> packer template --out -',
  ];

  static override flags = {
    config: configFlag,
    ...settingFlags,
    out: Flags.string({ char: 'o', description: "Directory to write into, or '-' for stdout" }),
  };

  async run(): Promise<{ dir?: string; mainFile: string; files: string[]; configHash: string }> {
    const { flags } = await this.parse(Template);
    this.checkCloud(flags.cloud);
    const loaded = await loadConfig({ configPath: flags.config, overrides: overridesFromFlags(flags) });
    // Rendering needs no packer: without one, the template is written for packer >= 1.7.
    let packer = await findPacker();
    if (!packer) {
      packer = RENDER_WITHOUT_PACKER;
      this.warning(
        `packer is not installed: the template is rendered for packer ${RENDER_WITHOUT_PACKER.version} (packer >= 1.7, with required_plugins)`,
        'PackerNotFound',
      );
    }
    const rendered = await renderConfig(loaded, packer, {
      buildId: randomUUID(),
      sindriVersion: this.config.version,
    });
    const files = [...rendered.files.keys()].sort();
    if (flags.out === '-') {
      const hcl = rendered.files.get(rendered.mainFile) ?? '';
      if (!this.jsonEnabled()) process.stdout.write(hcl);
      return { mainFile: rendered.mainFile, files, configHash: rendered.configHash, ...{ template: hcl } };
    }
    let dir: string;
    if (flags.out) {
      dir = resolve(flags.out);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeTemplate(rendered, dir);
    } else {
      ({ dir } = await writeToPrivateDir(rendered));
    }
    if (!this.jsonEnabled()) process.stdout.write(`${dir}\n`);
    this.info(
      `wrote ${files.length} files (${rendered.mainFile} and its scripts), config hash ${rendered.configHash.slice(0, 12)}`,
    );
    return { dir, mainFile: rendered.mainFile, files, configHash: rendered.configHash };
  }
}
