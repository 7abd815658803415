import { Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { optionalConfigFlag, overridesFromFlags, settingFlags } from '../../cli/flags.ts';
import { SindriError } from '../../errors.ts';

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
    config: optionalConfigFlag,
    ...settingFlags,
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
    const { loadOptionalConfig } = await import('../../config/load.ts');
    const loaded = await loadOptionalConfig({
      configPath: flags.config,
      overrides: overridesFromFlags(flags),
    });

    if (flags['print-policy']) {
      const { minimalPolicy } = await import('../../doctor/print-policy.ts');
      const { notes, ...result } = await minimalPolicy({
        config: loaded?.config,
        configFile: loaded?.file,
        overrides: overridesFromFlags(flags),
        force: flags.force,
        env: process.env,
      });
      for (const line of notes) this.info(line);
      if (!this.jsonEnabled()) process.stdout.write(`${JSON.stringify(result.policy, null, 2)}\n`);
      return result;
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
    const { green, red, yellow, dim } = await import('../../cli/color.ts');
    const on = this.colorOn(process.stdout);
    const colour = { pass: green, fail: red, warn: yellow, skip: dim } as const;
    // The report is what was asked for: stdout (`sindri packer doctor > report.txt`).
    this.print(formatTable(report.checks, CHECKS, (status, mark) => colour[status](mark, on)));
    const result = { checks: report.checks, ok: report.ok };
    if (!report.ok) {
      const failed = report.checks.filter((c) => c.status === 'fail');
      throw new SindriError(`${failed.length} check(s) failed: ${failed.map((c) => c.id).join(', ')}.`, {
        code: 'ChecksFailed',
        actions: ['fix what each failed check of the report says, then run sindri packer doctor again'],
        result,
      });
    }
    return result;
  }
}
