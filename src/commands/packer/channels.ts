import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { concurrencyFlag, optionalConfigFlag, regionsFlag } from '../../cli/flags.ts';
import type { ChannelsResult } from '../../registry/channels.ts';

export default class Channels extends SindriCommand {
  static override summary = 'What each channel points to, per region, and its history';
  static override description =
    'Read from the images themselves: per image line (an image name without its version: web-1 and web-2 are the line web), the image tagged sindri:channel:<name>=<line> in each region, and every promotion the images keep (sindri:promoted), newest first, revoked ones marked. Every region (DescribeRegions) unless --region says where.';
  static override examples = [
    '<%= config.bin %> packer channels',
    '<%= config.bin %> packer channels --channel prod --region cn-hangzhou --region cn-shanghai --json',
  ];

  static override flags = {
    config: optionalConfigFlag,
    channel: Flags.string({ description: 'Only this channel' }),
    line: Flags.string({ description: 'Only this image line (an image name, its version ignored)' }),
    history: Flags.integer({ description: 'Promotions shown per channel and region', default: 5, min: 0 }),
    region: regionsFlag,
    concurrency: concurrencyFlag,
  };

  async run(): Promise<ChannelsResult> {
    const { flags } = await this.parse(Channels);
    this.checkCloud(flags.cloud);
    const { runChannels } = await import('../../registry/channels.ts');
    const { checkChannel } = await import('../../registry/promote.ts');
    if (flags.channel) checkChannel(flags.channel);
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
      const { renderTable, shortTime } = await import('../../lifecycle/format.ts');
      const rows = result.channels.flatMap((c) =>
        c.regions.map((r) => [
          c.channel,
          c.line,
          r.region,
          r.current?.imageId ?? '-',
          r.current?.name ?? '-',
          r.current?.buildId ?? '-',
          r.current?.promotedAt ? shortTime(r.current.promotedAt) : '-',
        ]),
      );
      if (rows.length > 0)
        process.stdout.write(
          `${await renderTable(['CHANNEL', 'LINE', 'REGION', 'IMAGE ID', 'NAME', 'BUILD', 'PROMOTED'], rows)}\n`,
        );
      for (const c of result.channels)
        for (const r of c.regions)
          for (const e of r.history.slice(0, flags.history))
            process.stdout.write(
              `  ${c.channel} ${c.line} ${r.region}: ${shortTime(e.at)} ${e.imageId} ${e.name} (build ${e.buildId ?? '-'})${e.revoked ? ' revoked' : ''}\n`,
            );
      this.info(`${result.channels.length} channel(s) in ${result.regions.length} region(s)`);
    }
    return result;
  }
}
