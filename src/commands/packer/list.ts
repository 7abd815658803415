import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { optionalConfigFlag, regionFlag } from '../../cli/flags.ts';

export default class List extends SindriCommand {
  static override summary = 'List the images sindri built (every page, one region or all of them)';
  static override description =
    'Shows self-owned images tagged ManagedBy=sindri, newest first. With --all-regions every region from DescribeRegions is searched in parallel.';
  static override examples = [
    '<%= config.bin %> packer list --cloud alibaba',
    '<%= config.bin %> packer list --cloud alibaba --name sindri-production --region cn-hangzhou --json',
    "<%= config.bin %> packer list --all-regions --name 'sindri-*-2024*'",
    '<%= config.bin %> packer list --all-regions --channel prod',
  ];

  static override flags = {
    config: optionalConfigFlag,
    name: Flags.string({
      description: 'Only images whose name contains this text, or matches this glob (* and ?)',
    }),
    channel: Flags.string({
      description: 'Only the image this channel points to in each region (`sindri packer promote`)',
    }),
    region: { ...regionFlag, exclusive: ['all-regions'] },
    'all-regions': Flags.boolean({
      description: 'List every region (DescribeRegions)',
      default: false,
      exclusive: ['region'],
    }),
    concurrency: Flags.integer({
      description: 'Most API calls in flight at once',
      default: 8,
      min: 1,
      max: 64,
    }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(List);
    this.checkCloud(flags.cloud);
    const { runList } = await import('../../lifecycle/list.ts');
    const progress = !this.jsonEnabled() && process.stderr.isTTY === true;
    const result = await runList({
      configPath: flags.config,
      region: flags.region,
      allRegions: flags['all-regions'],
      name: flags.name,
      channel: flags.channel,
      concurrency: flags.concurrency,
      ...(progress
        ? {
            onRegion: (r: string, n: number, d: number, t: number) => this.info(`  ${r}: ${n} (${d}/${t})`),
          }
        : {}),
    });
    if (!this.jsonEnabled()) {
      if (result.images.length > 0) {
        const { renderImageTable } = await import('../../lifecycle/format.ts');
        process.stdout.write(`${await renderImageTable(result.images)}\n`);
      }
      const where = result.regions.length === 1 ? result.regions[0] : `${result.regions.length} regions`;
      this.info(`${result.images.length} sindri image(s) in ${where}`);
    }
    return { count: result.images.length, regions: result.regions, images: result.images };
  }
}
