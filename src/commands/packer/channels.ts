import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { concurrencyFlag, optionalConfigFlag, regionsFlag } from '../../cli/flags.ts';
import { tableFlags } from '../../cli/table.ts';
import type { ChannelsResult } from '../../registry/channels.ts';

export default class Channels extends SindriCommand {
  static override summary = 'What each channel points to, per region, and its history';
  static override description =
    'Read from the images themselves: per image line (an image name without its version: web-1 and web-2 are the line web), the image tagged sindri:channel:<name>=<line> in each region, and every promotion the images keep (sindri:promoted), newest first, revoked ones marked. Every region (DescribeRegions) unless --region says where.';
  static override examples = [
    '<%= config.bin %> packer channels',
    '<%= config.bin %> packer channels --channel prod --region cn-hangzhou --region cn-shanghai --json',
    '<%= config.bin %> packer channels --history 0 --columns channel,region,image-id --output csv',
  ];

  static override flags = {
    config: optionalConfigFlag,
    channel: Flags.string({ description: 'Only this channel' }),
    line: Flags.string({ description: 'Only this image line (an image name, its version ignored)' }),
    history: Flags.integer({
      description: 'Promotions shown per channel and region (the current one always is)',
      default: 5,
      min: 0,
    }),
    region: regionsFlag,
    concurrency: concurrencyFlag,
    ...tableFlags,
  };

  async run(): Promise<ChannelsResult> {
    const { flags } = await this.parse(Channels);
    this.checkCloud(flags.cloud);
    const [
      { runChannels },
      { checkChannel },
      { renderTable, tableOptions, checkTableOptions },
      { CHANNEL_COLUMNS },
    ] = await Promise.all([
      import('../../registry/channels.ts'),
      import('../../registry/promote.ts'),
      import('../../cli/table.ts'),
      import('../../cli/registry-tables.ts'),
    ]);
    if (flags.channel) checkChannel(flags.channel);
    const table = tableOptions(flags, this.colorOn(process.stdout));
    checkTableOptions(CHANNEL_COLUMNS, table);
    const result = await runChannels({
      configPath: flags.config,
      channel: flags.channel,
      line: flags.line,
      regions: flags.region,
      concurrency: flags.concurrency,
    });
    for (const c of result.channels)
      for (const r of c.regions)
        if (r.contenders)
          this.warning(
            `${r.region}: ${r.contenders.length} images hold ${c.channel} of ${c.line} (a promotion stopped half way); ${r.current?.imageId} was promoted last: promote it again to finish`,
            'ChannelAmbiguous',
          );
    if (!this.jsonEnabled()) {
      const { channelRows } = await import('../../cli/registry-tables.ts');
      const rows = channelRows(result, flags.history);
      // No channel: only the header (table, csv) or [] (json, yaml), so scripts get a document.
      const text =
        rows.length > 0 || flags.output !== 'table' ? await renderTable(rows, CHANNEL_COLUMNS, table) : '';
      if (text !== '') this.print(text);
      this.info(`${result.channels.length} channel(s) in ${result.regions.length} region(s)`);
    }
    return result;
  }
}
