import { Args, Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { optionalConfigFlag, regionFlag } from '../../cli/flags.ts';
import { SindriError, UsageError } from '../../errors.ts';

export default class Delete extends SindriCommand {
  static override summary = 'Delete images sindri built, and their snapshots';
  static override description =
    `Refuses an image that instances in its region use, or that sindri did not build, unless --force. Asks for confirmation first, naming the accounts a shared image is shared with: on a terminal interactively; otherwise one answer line is read from stdin (exit 2 if stdin ends without one). --yes skips only the question; --force skips it and the refusals.
A shared image cannot be deleted (not even with Force), so its shares are removed first, 10 accounts per call, and the accounts that lost access are reported.
Deleting an image that sindri already deleted says so and exits 0 (and removes snapshots an interrupted run left behind).`;
  static override examples = [
    '<%= config.bin %> packer delete --cloud alibaba m-bp1xxxx',
    '<%= config.bin %> packer delete --cloud alibaba m-bp1xxxx --force',
    '<%= config.bin %> packer delete m-bp1xxxx --all-regions --yes --json',
    'echo y | <%= config.bin %> packer delete m-bp1xxxx m-bp1yyyy --keep-snapshots',
  ];
  static override strict = false;

  static override args = {
    imageId: Args.string({ description: 'Image ID(s) to delete', required: true }),
  };

  static override flags = {
    config: optionalConfigFlag,
    region: regionFlag,
    'all-regions': Flags.boolean({
      description:
        'Look for the image(s) in every region and also delete the copies sharing their sindri:build-id',
      default: false,
    }),
    force: Flags.boolean({
      char: 'f',
      description: 'Do not ask, and delete even images in use or not built by sindri',
      default: false,
    }),
    yes: Flags.boolean({
      char: 'y',
      description: 'Do not ask (still refuses images in use)',
      default: false,
    }),
    'keep-snapshots': Flags.boolean({ description: "Keep the images' snapshots", default: false }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags, argv } = await this.parse(Delete);
    this.checkCloud(flags.cloud);
    const imageIds = (argv as string[]).filter((a) => a.length > 0);
    const bad = imageIds.filter((id) => !/^m-[A-Za-z0-9]+$/.test(id));
    if (bad.length > 0)
      throw new UsageError(`Not an image ID: ${bad.join(', ')}`, 'image IDs look like m-bp1abc...');
    const { runDelete, describePlan } = await import('../../lifecycle/delete.ts');
    const { confirm } = await import('../../lifecycle/prompt.ts');
    const verbose = !this.jsonEnabled() && process.stderr.isTTY === true;
    const result = await runDelete({
      imageIds,
      configPath: flags.config,
      region: flags.region,
      allRegions: flags['all-regions'],
      force: flags.force,
      keepSnapshots: flags['keep-snapshots'],
      ...(flags.yes
        ? {}
        : { confirm: (plan) => confirm(describePlan(plan, flags['keep-snapshots']), { skipFlag: '--yes' }) }),
      ...(verbose ? { onProgress: (line: string) => this.info(`  ${line}`) } : {}),
    });
    if (result.cancelled) {
      throw new SindriError('Nothing was deleted.', {
        code: 'Cancelled',
        actions: ['answer "y" to delete, or pass --yes'],
      });
    }
    for (const img of result.images) {
      const snaps = img.snapshotsDeleted.length > 0 ? ` and ${img.snapshotsDeleted.length} snapshot(s)` : '';
      const kept =
        img.snapshotsKept.length > 0
          ? `; kept ${img.snapshotsKept.map((s) => `${s.snapshotId} (${s.reason})`).join(', ')}`
          : '';
      if (img.result === 'already-deleted') {
        this.print(
          `${img.imageId} (${img.region}) was already deleted${snaps ? `; removed leftover${snaps.replace(' and', '')}` : ''}${kept}`,
        );
      } else if (img.result === 'copy-cancelled') {
        this.print(`✓ cancelled the copy ${img.imageId} (${img.region})`);
      } else {
        this.print(`✓ deleted ${img.imageId} (${img.region})${snaps}${kept}`);
      }
      if (img.unshared.length > 0)
        this.print(`  ${img.imageId} is no longer shared with ${img.unshared.join(', ')}`);
    }
    return { images: result.images };
  }
}
