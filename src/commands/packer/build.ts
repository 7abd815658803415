import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { configFlag, overridesFromFlags, settingFlags } from '../../cli/flags.ts';
import { loadConfig } from '../../config/load.ts';
import { requirePacker } from '../../packer/binary.ts';
import type { BuildResult } from '../../pipeline/build.ts';
import type { DryRunResult } from '../../pipeline/dry-run.ts';
import type { ProgressSink } from '../../pipeline/progress.ts';

export default class Build extends SindriCommand {
  static override summary = 'Build an image with Packer, then copy, share and tag it';
  static override examples = [
    '<%= config.bin %> packer build --cloud alibaba',
    '<%= config.bin %> packer build --cloud alibaba --region cn-shanghai --instance-type ecs.g7.xlarge --json > build-result.json',
    '<%= config.bin %> packer build --dry-run',
  ];

  static override flags = {
    config: configFlag,
    ...settingFlags,
    force: Flags.boolean({
      description: 'Replace an image of the same name and ignore the cache',
      default: false,
    }),
    'on-error': Flags.string({
      description:
        'What packer does when the build fails: cleanup (delete what it created) or abort (keep it)',
      options: ['cleanup', 'abort'],
      default: 'cleanup',
    }),
    'var-file': Flags.string({ description: 'A Packer variables file passed to packer', multiple: true }),
    'dry-run': Flags.boolean({
      description:
        'Build nothing: validate, then print the plan (cache, name, regions, shares, retention, tests)',
      default: false,
    }),
    junit: Flags.string({ description: "Write the test stage's results as JUnit XML to this file" }),
    sbom: Flags.string({
      description: "Write the image's SBOM (CycloneDX JSON) to this file (implies tests.sbom)",
    }),
  };

  async run(): Promise<BuildResult | DryRunResult> {
    const { flags } = await this.parse(Build);
    this.checkCloud(flags.cloud);
    // `packer version` runs while the configuration loads; a configuration error still comes first.
    const packerFound = requirePacker();
    packerFound.catch(() => {});
    const loaded = await loadConfig({ configPath: flags.config, overrides: overridesFromFlags(flags) });
    const packer = await packerFound;
    if (flags['dry-run']) {
      const { dryRun, describePlan } = await import('../../pipeline/dry-run.ts');
      const result = await dryRun(loaded, packer, this.config.version, {
        force: flags.force,
        env: process.env,
      });
      this.info(
        `✓ the template for ${loaded.config.providers.packer.image_name} renders and passes packer validate`,
      );
      this.print(describePlan(result.plan, flags.force).join('\n'));
      return result;
    }

    const [{ runBuild }, { buildProgress }, { interruptOnSignals }] = await Promise.all([
      import('../../pipeline/build.ts'),
      import('../../cli/progress.ts'),
      import('../../cli/signals.ts'),
    ]);
    // The display, once drawn: a signal during set-up finds none yet.
    let shown: ProgressSink | undefined;
    // Notices go through the display once there is one (a live display holds stderr while it draws).
    const notice = (text: string) => (shown ? shown.detail(text.trim()) : process.stderr.write(text));
    const interrupts = interruptOnSignals(
      (sig) => {
        shown?.interrupted?.();
        notice(`\n${sig}: stopping packer and waiting for it to clean up (this can take a minute)…\n`);
      },
      {
        stillDoing: 'waiting for packer to delete the build instance and its network',
        ifQuit:
          "temporary resources may be left running; 'sindri packer sweep' finds and deletes them by their sindri-<build ID> names",
        write: notice,
      },
    );
    const progress: ProgressSink = await buildProgress();
    shown = progress;
    const report = async (outcome: unknown) => {
      if (process.env.GITHUB_ACTIONS === 'true')
        await (await import('../../ci/build-report.ts')).reportBuild(outcome);
    };
    try {
      const result = await runBuild({
        loaded,
        packer,
        options: {
          sindriVersion: this.config.version,
          force: flags.force,
          onError: flags['on-error'] as 'cleanup' | 'abort',
          varFiles: flags['var-file'] ?? [],
          debug: this.debugEnabled,
          log: (line: string) => process.stderr.write(`[packer] ${line}\n`),
        },
        testFiles: { junitFile: flags.junit, sbomFile: flags.sbom },
        progress,
        signal: interrupts.signal,
        env: process.env,
        warn: (message) => this.warning(message),
      });
      await progress.close?.();
      if (result.test) {
        const table = (await import('../../cli/test-table.ts')).testTable(result.test);
        if (table) this.print(table);
      }
      this.print(
        `✓ ${result.cached ? 'cache hit' : 'built'} ${result.name}: ${Object.entries(result.images)
          .map(([r, id]) => `${r} ${id}`)
          .join(', ')} in ${result.durationSeconds}s`,
      );
      await report(result);
      return result;
    } catch (err) {
      await progress.close?.(interrupts.signal.aborted ? 'interrupted' : 'failed');
      // A partially failed distribution still made images: report those too.
      await report(err);
      throw err;
    } finally {
      await progress.close?.();
      interrupts.dispose();
    }
  }
}
