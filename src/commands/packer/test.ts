import { Args, Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { configFlag, regionFlag } from '../../cli/flags.ts';
import { UsageError } from '../../errors.ts';
import type { ImageTestResult } from '../../pipeline/test-image.ts';

export default class Test extends SindriCommand {
  static override summary = "Run sindri.yaml's checks on an instance of an existing image";
  static override description =
    `Starts an instance of the image (as the build's test stage does), runs the checks of sindri.yaml's tests section and of the installed extensions the way the build reaches its instance (over SSH, or through Cloud Assistant with build.communicator: cloud-assistant), removes the instance, and tags the image sindri:test=passed or failed (and sindri:sbom with the SBOM's digest when tests.sbom is on).
Exits 1 when a check fails, naming it and its output. The instance is named sindri-<build-id>-test, so \`sindri packer sweep\` finds it after a crash.`;
  static override examples = [
    '<%= config.bin %> packer test m-bp1xxxx',
    '<%= config.bin %> packer test m-bp1xxxx --junit results/junit.xml --sbom results/sbom.cdx.json --json',
  ];

  static override args = {
    image: Args.string({ description: 'The image to test (in the region)', required: true }),
  };

  static override flags = {
    config: configFlag,
    region: regionFlag,
    junit: Flags.string({ description: 'Write the results as JUnit XML to this file' }),
    sbom: Flags.string({ description: "Write the image's SBOM (CycloneDX JSON) to this file" }),
  };

  async run(): Promise<ImageTestResult> {
    const { args, flags } = await this.parse(Test);
    this.checkCloud(flags.cloud);
    if (!/^m-[A-Za-z0-9]+$/.test(args.image))
      throw new UsageError(`Not an image ID: ${args.image}`, 'image IDs look like m-bp1abc...');
    const [{ runImageTest }, { lineProgress }, { interruptOnSignals }] = await Promise.all([
      import('../../pipeline/test-image.ts'),
      import('../../cli/progress.ts'),
      import('../../cli/signals.ts'),
    ]);
    const interrupts = interruptOnSignals();
    const progress = lineProgress({ json: this.jsonEnabled(), indent: '  ' });
    try {
      const result = await runImageTest({
        imageId: args.image,
        configPath: flags.config,
        region: flags.region,
        sindriVersion: this.config.version,
        junitFile: flags.junit,
        sbomFile: flags.sbom,
        progress,
        signal: interrupts.signal,
        warn: (message: string) => this.warning(message, 'NotificationFailed'),
        ...(this.debugEnabled ? { debug: (line: string) => process.stderr.write(`debug: ${line}\n`) } : {}),
      });
      const table = (await import('../../cli/test-table.ts')).testTable(result.test);
      if (table) this.print(table);
      const { passedText } = await import('../../images/checks.ts');
      this.print(`✓ ${result.imageId}: ${passedText(result.test.checks.length)}`);
      return result;
    } finally {
      await progress.close();
      interrupts.dispose();
    }
  }
}
