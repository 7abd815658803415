import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { configFlags, overridesFromFlags } from '../../cli/config-flags.ts';
import type { BuildResult } from '../../pipeline/build.ts';
import { loadUserConfig, requirePacker } from '../../pipeline/prepare.ts';
import { createProgress } from '../../pipeline/progress.ts';

export default class Build extends SindriCommand {
  static override summary = 'Build an image with Packer, then copy, share and tag it';
  static override examples = [
    '<%= config.bin %> packer build --cloud alibaba',
    '<%= config.bin %> packer build --cloud alibaba --region cn-shanghai --instance-type ecs.g7.xlarge --json > build-result.json',
    '<%= config.bin %> packer build --dry-run',
  ];

  static override flags = {
    ...configFlags,
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
    'dry-run': Flags.boolean({ description: 'Render and validate only; build nothing', default: false }),
  };

  async run(): Promise<BuildResult | Record<string, unknown>> {
    const { flags } = await this.parse(Build);
    this.checkCloud(flags.cloud);
    // `packer version` runs while the configuration loads; a configuration error still comes first.
    const packerFound = requirePacker();
    packerFound.catch(() => {});
    const loaded = await loadUserConfig(flags.config, overridesFromFlags(flags));
    const packer = await packerFound;
    if (flags['dry-run']) {
      const { checkRenderedTemplate } = await import('../../pipeline/check-template.ts');
      const { ConfigError } = await import('../../config/errors.ts');
      const check = await checkRenderedTemplate(loaded, packer, {
        syntaxOnly: false,
        sindriVersion: this.config.version,
      });
      if (check.problems.length > 0) throw new ConfigError(check.problems);
      this.info(
        `✓ dry run: the template for ${loaded.config.providers.packer.image_name} renders and validates`,
      );
      return { dryRun: true, valid: true, configHash: check.configHash };
    }

    const controller = new AbortController();
    const interrupt = (sig: NodeJS.Signals) => {
      if (controller.signal.aborted) return;
      process.stderr.write(
        `\n${sig}: stopping packer and waiting for it to clean up (this can take a minute)…\n`,
      );
      controller.abort(new Error(sig));
    };
    process.on('SIGINT', interrupt);
    process.on('SIGTERM', interrupt);
    const { runBuild } = await import('../../pipeline/build.ts');
    const progress =
      process.stderr.isTTY && !process.env.CI
        ? await (await import('../../pipeline/progress-tty.ts')).createTtyProgress()
        : createProgress({ enabled: true });
    try {
      const result = await runBuild({
        loaded,
        packer,
        sindriVersion: this.config.version,
        force: flags.force,
        onError: flags['on-error'] as 'cleanup' | 'abort',
        varFiles: flags['var-file'] ?? [],
        debug: this.debugEnabled,
        progress,
        signal: controller.signal,
        env: process.env,
        log: (line) => process.stderr.write(`[packer] ${line}\n`),
      });
      await progress.close?.();
      this.info(
        `✓ ${result.cached ? 'cache hit' : 'built'} ${result.name}: ${Object.entries(result.images)
          .map(([r, id]) => `${r} ${id}`)
          .join(', ')} in ${result.durationSeconds}s`,
      );
      if (process.env.GITHUB_ACTIONS === 'true')
        await (await import('../../ci/build-report.ts')).reportBuild(result);
      return result;
    } catch (err) {
      // A partially failed distribution still made images: report those too.
      if (process.env.GITHUB_ACTIONS === 'true')
        await (await import('../../ci/build-report.ts')).reportBuild(err);
      throw err;
    } finally {
      await progress.close?.();
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    }
  }
}
