import { Args } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { concurrencyFlag, optionalConfigFlag, regionsFlag } from '../../cli/flags.ts';
import { UsageError } from '../../errors.ts';
import type { LineageLink, LineageResult } from '../../registry/lineage.ts';

function describeLink(l: LineageLink): string {
  const facts = [
    l.owner && l.owner !== 'self' ? l.owner : undefined,
    l.buildId ? `build ${l.buildId}` : undefined,
    l.region,
    l.status,
    l.created ? `created ${l.created}` : undefined,
    l.family ? `family ${l.family}` : undefined,
    l.channels ? `channels ${l.channels.join(', ')}` : undefined,
    l.exists ? undefined : 'no longer exists',
  ].filter(Boolean);
  const marks = [
    l.revoked ? `REVOKED ${l.revoked.at}: ${l.revoked.reason}` : undefined,
    l.baseRevoked ? `built on revoked build ${l.baseRevoked}` : undefined,
  ].filter(Boolean);
  return `${l.imageId}${l.name && l.name !== l.imageId ? `  ${l.name}` : ''}  (${facts.join(', ')})${marks.length > 0 ? `  ${marks.join('; ')}` : ''}`;
}

export default class Lineage extends SindriCommand {
  static override summary = 'The chain of images an image was built from';
  static override description =
    "Each image records the image its build started from (sindri:base: its ID, creation time and, for one of sindri's images, its build; sindri:base-family: its family). This follows them back to an image that is not sindri's, marking revoked images and images built on them; an ancestor that no longer exists is shown as its child recorded it. Every region (DescribeRegions) unless --region says where.";
  static override examples = [
    '<%= config.bin %> packer lineage m-bp1xxxx',
    '<%= config.bin %> packer lineage m-bp1xxxx --region cn-hangzhou --json',
  ];

  static override args = {
    imageId: Args.string({ description: 'The image (m-…)', required: true }),
  };

  static override flags = {
    config: optionalConfigFlag,
    region: regionsFlag,
    concurrency: concurrencyFlag,
  };

  async run(): Promise<LineageResult> {
    const { args, flags } = await this.parse(Lineage);
    this.checkCloud(flags.cloud);
    if (!/^m-[A-Za-z0-9]+$/.test(args.imageId))
      throw new UsageError(`${args.imageId} is not an image ID.`, 'pass an image ID such as m-bp1xxxx');
    const { runLineage } = await import('../../registry/lineage.ts');
    const result = await runLineage({
      imageId: args.imageId,
      configPath: flags.config,
      regions: flags.region,
      concurrency: flags.concurrency,
    });
    if (result.revokedAncestor)
      this.warning(`${args.imageId} was built on the revoked image ${result.revokedAncestor}`, 'BaseRevoked');
    this.print(
      result.chain
        .map((l, i) => `${i === 0 ? '' : `${'  '.repeat(i - 1)}└ built on `}${describeLink(l)}`)
        .join('\n'),
    );
    return result;
  }
}
