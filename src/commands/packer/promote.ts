import { Args, Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { concurrencyFlag, optionalConfigFlag, regionsFlag } from '../../cli/flags.ts';
import type { PromoteResult } from '../../registry/promote.ts';

export default class Promote extends SindriCommand {
  static override summary = "Point a channel to a build's images, in every region the build reached";
  static override description =
    `A channel belongs to an image line: the images of one name with any version or date suffix (web-1, web-2 and web-20260105-031700 are the line web). Tags the build's image in each region sindri:channel:<name>=<line> and takes the tag off the line's image that held it, so Terraform (alicloud_images with that tag), \`sindri packer list --channel\` and \`sindri packer deploy --channel\` find it there; each promotion is also kept on the image (sindri:promoted), so \`sindri packer channels\` shows the history. Promoting an older build is the rollback. A revoked build is never promoted.
The build is named by one of its images or by its build ID, and is looked for in every region (DescribeRegions) unless --region says where. The webhooks of sindri.yaml are told (promoted).`;
  static override examples = [
    '<%= config.bin %> packer promote m-bp1xxxx --channel prod',
    '<%= config.bin %> packer promote 20260105-101010-abcdef --channel staging --json',
    '<%= config.bin %> packer promote m-bp1older --channel prod   # roll prod back to an older build',
  ];

  static override args = {
    target: Args.string({ description: 'An image of the build (m-…) or its build ID', required: true }),
  };

  static override flags = {
    config: optionalConfigFlag,
    channel: Flags.string({ description: 'The channel: prod, staging, …', required: true }),
    region: regionsFlag,
    concurrency: concurrencyFlag,
  };

  async run(): Promise<PromoteResult> {
    const { args, flags } = await this.parse(Promote);
    this.checkCloud(flags.cloud);
    const { runPromote } = await import('../../registry/promote.ts');
    const tty = !this.jsonEnabled() && process.stderr.isTTY === true;
    const result = await runPromote({
      target: args.target,
      channel: flags.channel,
      configPath: flags.config,
      regions: flags.region,
      concurrency: flags.concurrency,
      ...(tty ? { onProgress: (line: string) => this.info(`  ${line}`) } : {}),
    });
    for (const b of result.behind)
      this.warning(
        `${b.region}: ${result.channel} still points to ${b.imageId}: build ${result.buildId} has no image there`,
        'ChannelBehind',
      );
    for (const w of result.warnings) this.warning(w, 'NotificationFailed');
    if (!this.jsonEnabled()) {
      const [{ renderTable, tableOptions }, { PROMOTION_COLUMNS }] = await Promise.all([
        import('../../cli/table.ts'),
        import('../../cli/registry-tables.ts'),
      ]);
      this.print(
        `✓ ${result.channel} of ${result.line} → ${result.name} (build ${result.buildId}) in ${result.regions.length} region(s)`,
      );
      const table = tableOptions({ header: true, output: 'table' }, this.colorOn(process.stdout));
      if (result.regions.length > 0) this.print(await renderTable(result.regions, PROMOTION_COLUMNS, table));
    }
    return result;
  }
}
