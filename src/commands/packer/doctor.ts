import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { configFlags, overridesFromFlags } from '../../cli/config-flags.ts';
import { ExitCode } from '../../cli/errors.ts';
import type { LoadedConfig } from '../../config/load.ts';
import type { SindriConfig } from '../../config/types.ts';

/** A configuration with every default, for `--print-policy` without a file. */
const DEFAULT_CONFIG_TEXT =
  'version: "1.0"\nname: sindri\ndeployment:\n  provider: packer\nproviders:\n  packer:\n    cloud: alibaba\n';

export default class Doctor extends SindriCommand {
  static override summary = 'Check packer, credentials, network, quotas and RAM permissions before a build';
  static override description =
    'Runs every check in parallel and prints pass/warn/fail with a fix. Without a configuration file only the checks that need none run. Exits 1 when a check fails.';
  static override examples = [
    '<%= config.bin %> packer doctor --cloud alibaba',
    '<%= config.bin %> packer doctor --config images/base.yaml --json',
    '<%= config.bin %> packer doctor --print-policy > sindri-build-policy.json',
  ];

  static override flags = {
    ...configFlags,
    force: Flags.boolean({
      description:
        'The build will run with --force: an existing image name is not a failure, and --print-policy includes deleting it',
      default: false,
    }),
    'print-policy': Flags.boolean({
      description: 'Print the minimal RAM policy a build of this configuration needs, and exit',
      default: false,
    }),
    timeout: Flags.integer({ description: 'Seconds each check may take', default: 30, min: 1 }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(Doctor);
    this.checkCloud(flags.cloud);
    const loaded = await this.loadOptionalConfig(flags);

    if (flags['print-policy']) {
      const [{ failureCleanupActions, policyDocument, requiredActions }, { findPacker }, { resolveConfig }] =
        await Promise.all([
          import('../../doctor/actions.ts'),
          import('../../packer/binary.ts'),
          import('../../config/load.ts'),
        ]);
      const config: SindriConfig =
        loaded?.config ??
        resolveConfig({
          text: DEFAULT_CONFIG_TEXT,
          displayFile: '(defaults)',
          env: process.env,
          overrides: overridesFromFlags(flags),
        }).config;
      const packer = await findPacker(process.env);
      const options = { ...(packer ? { packerVersion: packer.version } : {}), force: flags.force };
      const actions = requiredActions(config, options);
      const onFailure = failureCleanupActions(config, options);
      const policy = policyDocument(actions);
      if (!this.jsonEnabled()) {
        this.info(
          `# ${actions.length} actions for ${loaded ? loaded.file : 'the default configuration (no sindri.yaml)'}, packer ${packer?.version ?? '1.6.6 (assumed)'}`,
        );
        if (onFailure.length > 0)
          this.info(
            `# a build that succeeds never calls ${onFailure.map((a) => a.action).join(' or ')}; allow them too and packer can delete the half-made image of a build that fails after creating it`,
          );
        process.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
      }
      return {
        policy,
        actions,
        onFailure,
        packerVersion: packer?.version ?? null,
        config: loaded?.file ?? null,
      };
    }

    if (!loaded) this.info('no configuration file: checking packer, credentials and region only');
    const { runDoctor, formatTable, CHECKS } = await import('../../doctor/index.ts');
    const report = await runDoctor({
      env: process.env,
      ...(loaded ? { config: loaded.config, configFile: loaded.file } : {}),
      ...(flags.region ? { region: flags.region } : {}),
      force: flags.force,
      timeoutMs: flags.timeout * 1000,
    });
    this.info(formatTable(report.checks, CHECKS));
    if (!report.ok) process.exitCode = ExitCode.failed;
    return { checks: report.checks, ok: report.ok };
  }

  /** `--config FILE` must exist; the default ./sindri.yaml is optional. */
  private async loadOptionalConfig(
    flags: { config?: string } & Parameters<typeof overridesFromFlags>[0],
  ): Promise<LoadedConfig | undefined> {
    if (!flags.config && !existsSync(resolve(process.cwd(), 'sindri.yaml'))) return undefined;
    const { loadUserConfig } = await import('../../pipeline/prepare.ts');
    return loadUserConfig(flags.config, overridesFromFlags(flags));
  }
}
