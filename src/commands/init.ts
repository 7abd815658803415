import { basename, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { SindriCommand } from '../cli/base-command.ts';
import { regionFlag } from '../cli/flags.ts';

export default class Init extends SindriCommand {
  static override summary = 'Write a commented sindri.yaml, asking for what it needs';
  static override description =
    `On a terminal, asks for the image name, extension profile, region, zone, instance type and disk size; with credentials configured, the regions, zones and instance types offered are the account's own (DescribeRegions, DescribeZones, DescribeAvailableResource). With --yes, or without a terminal, nothing is asked: the flags and the defaults are used, and checked against the account when it can be asked.
The file starts with a yaml-language-server schema line, so editors complete and check the keys. An existing file is never replaced unless --force.`;
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --yes --name web-base --region cn-shanghai --instance-type ecs.g7.xlarge',
    '<%= config.bin %> init --yes --offline --out images/base.yaml',
  ];

  static override flags = {
    out: Flags.string({ char: 'o', description: 'File to write', default: 'sindri.yaml' }),
    yes: Flags.boolean({
      char: 'y',
      description: 'Ask nothing: use the flags and the defaults',
      default: false,
    }),
    force: Flags.boolean({ char: 'f', description: 'Replace the file if it exists', default: false }),
    offline: Flags.boolean({
      description: 'Do not ask the account for regions, zones and instance types',
      default: false,
    }),
    name: Flags.string({ description: 'Image name [default: the directory name]' }),
    profile: Flags.string({
      description: 'Extension profile (minimal, fullstack, devops) [default: minimal]',
    }),
    region: regionFlag,
    zone: Flags.string({ description: 'Zone of the build instance [default: the builder chooses]' }),
    'instance-type': Flags.string({ description: 'Build instance type [default: ecs.g6.xlarge]' }),
    'disk-size': Flags.integer({ description: 'System disk size in GiB [default: 40]', min: 20, max: 2048 }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { flags } = await this.parse(Init);
    this.checkCloud(flags.cloud);
    const [{ existsSync }, { accountChoices, writeNewFile, existsError }, file, { resolveAnswers }] =
      await Promise.all([
        import('node:fs'),
        import('../lifecycle/init.ts'),
        import('../config/init-file.ts'),
        import('../cli/init-questions.ts'),
      ]);
    const target = resolve(flags.out);
    const shown = flags.out;
    // Refused before any question is asked.
    if (existsSync(target) && !flags.force) throw existsError(shown);

    const interactive =
      !flags.yes && !this.jsonEnabled() && process.stdin.isTTY === true && process.stderr.isTTY === true;
    const { choices, why } = flags.offline
      ? { choices: undefined, why: '--offline' }
      : await accountChoices({ env: process.env, region: flags.region });
    if (choices)
      this.info(`offering the regions, zones and instance types of the account (${choices.source})`);
    else this.info(`offering sindri's defaults, unchecked: ${why}`);

    const answers = await resolveAnswers({
      flags: {
        name: flags.name,
        profile: flags.profile,
        region: flags.region,
        zone: flags.zone,
        instanceType: flags['instance-type'],
        diskSize: flags['disk-size'],
      },
      defaultName: file.imageNameFrom(basename(resolve(target, '..'))),
      envRegion:
        process.env.ALICLOUD_REGION ??
        process.env.ALIBABA_CLOUD_REGION_ID ??
        process.env.ALIBABA_CLOUD_REGION,
      choices,
      interactive,
    });
    const text = file.renderInitFile(answers, file.schemaReference(target));
    await writeNewFile(target, shown, text, flags.force);
    this.print(`✓ wrote ${shown}`);
    this.print(`  next: sindri packer validate${shown === 'sindri.yaml' ? '' : ` --config ${shown}`}`);
    return { file: target, answers, fromAccount: choices !== undefined };
  }
}
