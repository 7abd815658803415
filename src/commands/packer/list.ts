import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { optionalConfigFlag, regionFlag } from '../../cli/flags.ts';
import { tableFlags } from '../../cli/table.ts';

export default class List extends SindriCommand {
  static override summary = 'List the images sindri built (every page, one region or all of them)';
  static override description =
    'Shows self-owned images tagged ManagedBy=sindri, newest first. With --all-regions every region from DescribeRegions is searched in parallel.';
  static override examples = [
    '<%= config.bin %> packer list --cloud alibaba',
    '<%= config.bin %> packer list --cloud alibaba --name sindri-production --region cn-hangzhou --json',
    "<%= config.bin %> packer list --all-regions --name 'sindri-*-2024*'",
    '<%= config.bin %> packer list --columns image-id,name,created --sort -created --no-header',
    '<%= config.bin %> packer list --all-regions --output csv > images.csv',
  ];

  static override flags = {
    config: optionalConfigFlag,
    name: Flags.string({
      description: 'Only images whose name contains this text, or matches this glob (* and ?)',
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
    ...tableFlags,
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(List);
    this.checkCloud(flags.cloud);
    const [{ runList }, { renderTable, tableOptions, checkTableOptions }, { IMAGE_COLUMNS }] =
      await Promise.all([
        import('../../lifecycle/list.ts'),
        import('../../cli/table.ts'),
        import('../../lifecycle/format.ts'),
      ]);
    const table = tableOptions(flags, this.colorOn(process.stdout));
    checkTableOptions(IMAGE_COLUMNS, table);
    // On a terminal, one line redrawn as regions finish, erased at the end; nothing when piped.
    const live = !this.jsonEnabled() && process.stderr.isTTY === true;
    const erase = () => process.stderr.write('\r\u001b[2K');
    const result = await runList({
      configPath: flags.config,
      region: flags.region,
      allRegions: flags['all-regions'],
      name: flags.name,
      concurrency: flags.concurrency,
      ...(live
        ? {
            onRegion: (r: string, n: number, d: number, t: number) => {
              if (t > 1) process.stderr.write(`\r\u001b[2Ksearched ${d}/${t} regions (${r}: ${n})`);
            },
          }
        : {}),
    });
    if (live) erase();
    if (!this.jsonEnabled()) {
      // An empty listing prints only the header (--output table/csv) or [] (json/yaml), so scripts
      // always get a well-formed document.
      if (result.images.length > 0 || flags.output !== 'table')
        process.stdout.write(await renderTable(result.images, IMAGE_COLUMNS, table));
      const where = result.regions.length === 1 ? result.regions[0] : `${result.regions.length} regions`;
      this.info(`${result.images.length} sindri image(s) in ${where}`);
    }
    return { count: result.images.length, regions: result.regions, images: result.images };
  }
}
