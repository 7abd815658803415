import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { configFlag, regionFlag } from '../../cli/flags.ts';
import { UsageError } from '../../errors.ts';
import type { DistributionResult } from '../../pipeline/distribute.ts';

export default class Distribute extends SindriCommand {
  static override summary = 'Copy, encrypt, share and retire an image as sindri.yaml says; resumable';
  static override description =
    `Runs the distribution a build runs after packer: encrypted copy in the build region (image_encrypted), copies to image_copy_regions in parallel (waited on), sharing with image_share_accounts in every region (verified), and retention (deprecate and delete older images of the same name).
The image's sindri:build-id tag finds its build record, so a distribution that stopped continues where it stopped and never copies to a region twice. Exits 1 if any region failed; run it again to resume.`;
  static override examples = [
    '<%= config.bin %> packer distribute --image m-bp1xxxx',
    '<%= config.bin %> packer distribute --image m-bp1xxxx --config sindri.yaml --prune-shares --json',
  ];

  static override flags = {
    image: Flags.string({ description: 'The image to distribute (in the build region)', required: true }),
    config: configFlag,
    region: regionFlag,
    'prune-shares': Flags.boolean({
      description: 'Also stop sharing with accounts no longer in image_share_accounts',
      default: false,
    }),
    force: Flags.boolean({
      char: 'f',
      description: 'Let retention deprecate and delete images that instances use',
      default: false,
    }),
  };

  async run(): Promise<DistributionResult> {
    const { flags } = await this.parse(Distribute);
    this.checkCloud(flags.cloud);
    if (!/^m-[A-Za-z0-9]+$/.test(flags.image))
      throw new UsageError(`Not an image ID: ${flags.image}`, 'image IDs look like m-bp1abc...');
    const [{ runDistribution }, { lineProgress }, { interruptOnSignals }] = await Promise.all([
      import('../../pipeline/distribute.ts'),
      import('../../cli/progress.ts'),
      import('../../cli/signals.ts'),
    ]);
    const interrupts = interruptOnSignals();
    const progress = lineProgress({ json: this.jsonEnabled(), indent: '  ' });
    try {
      const result = await runDistribution({
        imageId: flags.image,
        configPath: flags.config,
        region: flags.region,
        pruneShares: flags['prune-shares'],
        force: flags.force,
        progress,
        signal: interrupts.signal,
        ...(this.debugEnabled ? { debug: (line: string) => process.stderr.write(`debug: ${line}\n`) } : {}),
      });
      for (const [region, r] of Object.entries(result.regions)) {
        const shared = r.sharedWith ? `, shared with ${r.sharedWith.length}` : '';
        this.print(`✓ ${region} ${r.imageId ?? ''}${r.encrypted ? ' (encrypted)' : ''}${shared}`);
      }
      return result;
    } finally {
      await progress.close();
      interrupts.dispose();
    }
  }
}
