import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { configFlag, overridesFromFlags, settingFlags } from '../../cli/flags.ts';
import { ConfigError, type ConfigProblem } from '../../config/errors.ts';
import { loadConfig } from '../../config/load.ts';
import { requirePacker } from '../../packer/binary.ts';
import { checkRenderedTemplate } from '../../pipeline/check-template.ts';

export default class Validate extends SindriCommand {
  static override summary = 'Validate sindri.yaml, render the template and run the real `packer validate`';
  static override examples = [
    '<%= config.bin %> packer validate --cloud alibaba',
    '<%= config.bin %> packer validate --cloud alibaba --syntax-only',
    '<%= config.bin %> packer validate --config images/base.yaml --json',
  ];

  static override flags = {
    config: configFlag,
    ...settingFlags,
    'syntax-only': Flags.boolean({
      description: 'Only check the syntax of the rendered template',
      default: false,
    }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(Validate);
    this.checkCloud(flags.cloud);
    const loaded = await loadConfig({ configPath: flags.config, overrides: overridesFromFlags(flags) });
    this.print(`✓ ${loaded.file}: configuration is valid`);
    const say = (w: ConfigProblem) => {
      const where = w.line === undefined ? w.file : `${w.file}:${w.line}:${w.column ?? 1}`;
      this.info(`! ${where}  ${w.path}  ${w.message}${w.hint ? `\n  note: ${w.hint}` : ''}`);
    };
    for (const w of loaded.warnings ?? []) say(w);
    const packer = await requirePacker();
    const check = await checkRenderedTemplate(loaded, packer, {
      syntaxOnly: flags['syntax-only'],
      sindriVersion: this.config.version,
    });
    for (const w of check.warnings) say(w);
    const warnings = [...(loaded.warnings ?? []), ...check.warnings];
    if (check.problems.length > 0) {
      throw new ConfigError(check.problems);
    }
    const mode = flags['syntax-only'] ? 'packer validate -syntax-only' : 'packer validate';
    this.print(`✓ rendered template passes ${mode} (packer ${packer.version})`);
    return {
      valid: true,
      config: loaded.file,
      imageName: loaded.config.providers.packer.image_name,
      region: loaded.config.providers.packer.alibaba.region,
      configHash: check.configHash,
      warnings,
      packer: { version: packer.version, syntaxOnly: flags['syntax-only'] },
    };
  }
}
