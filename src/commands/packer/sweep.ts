import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { optionalConfigFlag, regionFlag } from '../../cli/flags.ts';
import { SindriError, UsageError } from '../../errors.ts';
import type { SweepResult } from '../../lifecycle/sweep.ts';

export default class Sweep extends SindriCommand {
  static override summary =
    'Find and delete what builds that died left behind (instances, EIPs, networks, key pairs)';
  static override description =
    `A build's temporary resources are found by its journal in .sindri/builds (what packer's calls created and did not delete) and by their names (sindri-<build ID>). A build whose packer still runs on this machine is left alone; a resource of a build this machine has no record of is swept only once it is older than --older-than (another machine may still be building it). Nothing sindri did not create is touched.
Shows each resource with its age and what keeping it costs, then asks (on a terminal interactively; otherwise one answer line is read from stdin). --dry-run only shows; --yes does not ask. Exits 1 when something could not be deleted.`;
  static override examples = [
    '<%= config.bin %> packer sweep --dry-run',
    '<%= config.bin %> packer sweep --all-regions --yes --json',
  ];

  static override flags = {
    config: optionalConfigFlag,
    region: regionFlag,
    'all-regions': Flags.boolean({
      description: 'Look in every region',
      default: false,
      exclusive: ['region'],
    }),
    'older-than': Flags.string({
      description: 'Age past which resources of builds with no record here are swept (6h, 90m, 2d)',
      default: '6h',
    }),
    'dry-run': Flags.boolean({ description: 'Show what would be deleted; delete nothing', default: false }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask', default: false }),
  };

  async run(): Promise<SweepResult> {
    const { flags } = await this.parse(Sweep);
    this.checkCloud(flags.cloud);
    const { runSweep, describeSweep, parseDuration } = await import('../../lifecycle/sweep.ts');
    const olderThanSeconds = parseDuration(flags['older-than']);
    if (olderThanSeconds === undefined)
      throw new UsageError(
        `--older-than ${flags['older-than']} is not a duration.`,
        'use a number with s, m, h or d, e.g. 6h',
      );
    const { confirm } = await import('../../lifecycle/prompt.ts');
    const result = await runSweep({
      configPath: flags.config,
      region: flags.region,
      allRegions: flags['all-regions'],
      olderThanSeconds,
      dryRun: flags['dry-run'],
      ...(flags.yes || flags['dry-run']
        ? {}
        : {
            confirm: (plan) =>
              confirm(
                `Delete these ${plan.leftovers.length} resource(s)?\n${describeSweep(plan).join('\n')}\n`,
                {
                  skipFlag: '--yes',
                },
              ),
          }),
      onProgress: (line) => this.info(`  ${line}`),
    });
    if (!this.jsonEnabled()) {
      const where = result.regions.join(', ');
      if (result.found.length === 0) process.stdout.write(`Nothing left behind in ${where}.\n`);
      else if (result.dryRun || result.cancelled)
        process.stdout.write(
          `${result.found.length} resource(s) left behind in ${where}${result.dryRun ? ' (dry run: nothing deleted)' : ''}:\n${describeSweep({ leftovers: result.found, skipped: result.skipped }).join('\n')}\n`,
        );
      else {
        const deleted = result.outcomes.filter((o) => o.result !== 'failed').length;
        process.stdout.write(`Deleted ${deleted} of ${result.found.length} resource(s) in ${where}.\n`);
      }
    }
    if (result.cancelled)
      throw new SindriError('Nothing was deleted.', {
        code: 'Cancelled',
        actions: ['answer "y" to delete, or pass --yes'],
        result,
      });
    const failed = result.outcomes.filter((o) => o.result === 'failed');
    if (failed.length > 0)
      throw new SindriError(
        `could not delete ${failed.map((o) => `${o.kind} ${o.id} (${o.region}): ${o.error}`).join('; ')}`,
        {
          code: 'SweepIncomplete',
          actions: [
            'check that the credentials may delete these (sindri packer doctor), then run sweep again',
          ],
          result,
        },
      );
    return result;
  }
}
