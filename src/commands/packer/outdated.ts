import { SindriCommand } from '../../cli/base-command.ts';
import { configFlag } from '../../cli/flags.ts';
import { requirePacker } from '../../packer/binary.ts';
import type { OutdatedResult } from '../../registry/outdated.ts';

export default class Outdated extends SindriCommand {
  static override summary = "Whether this configuration's newest image is outdated (exit 10 if it is)";
  static override description =
    `The newest Available image of the configuration (its image_family's newest, else the newest of its image name) is outdated when the configuration changed since it was built (its sindri:config-hash, computed under the image's own name), or when the image it was built from (sindri:base) has a newer version: the newest Available image of that image's family, or of the images matching alibaba.source_image_pattern. Never built counts as outdated.
Exits 0 when current and 10 when outdated, with the report as the result either way (--json); \`rebuild\` says whether building the same configuration now makes a new image (a pinned source_image does not move: change it). \`sindri packer ci github --schedule\` uses it to rebuild only when needed.`;
  static override examples = [
    '<%= config.bin %> packer outdated',
    '<%= config.bin %> packer outdated --config images/web.yaml --json',
  ];

  static override flags = {
    config: configFlag,
  };

  async run(): Promise<OutdatedResult> {
    const { flags } = await this.parse(Outdated);
    this.checkCloud(flags.cloud);
    const packer = await requirePacker();
    const { runOutdated } = await import('../../registry/outdated.ts');
    const result = await runOutdated({
      configPath: flags.config,
      packer,
      sindriVersion: this.config.version,
    });
    const image = result.image;
    const named = image && image.name !== result.name ? ` (${image.name})` : '';
    this.print(
      `✓ ${result.name} is current in ${result.region}: its newest image is ${image?.imageId}${named}, build ${image?.buildId ?? '-'}${result.source.base ? `, built from ${result.source.base.imageId}` : ''}`,
    );
    return result;
  }
}
