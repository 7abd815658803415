import { Args, Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { optionalConfigFlag, regionFlag } from '../../cli/flags.ts';
import type { CaptureResult } from '../../pipeline/capture.ts';

export default class Capture extends SindriCommand {
  static override summary =
    'Create a custom image from an instance, tagged and distributed like a built image';
  static override description =
    `For golden images made by hand: optionally stops the instance (--stop) and waits, runs CreateImage (with a ClientToken), waits for the image, tags it ManagedBy=sindri with a build ID, then runs the distribution configured in sindri.yaml (copies, shares, encryption, retention).
A second capture with the same --name is refused unless --force, which deletes the earlier image first.`;
  static override examples = [
    '<%= config.bin %> packer capture i-bp1xxxx --stop',
    '<%= config.bin %> packer capture i-bp1xxxx --name golden-web-2024 --stop --json',
  ];

  static override args = {
    instanceId: Args.string({ description: 'Instance to capture', required: true }),
  };

  static override flags = {
    name: Flags.string({ description: 'Image name [default: instance name, "-capture-" and a timestamp]' }),
    stop: Flags.boolean({
      description: 'Stop the instance first and wait until it is Stopped',
      default: false,
    }),
    force: Flags.boolean({ description: 'Replace an image that already has this name', default: false }),
    config: optionalConfigFlag,
    region: regionFlag,
    timeout: Flags.integer({ description: 'Seconds to wait for each step', default: 7200, min: 1 }),
  };

  async run(): Promise<CaptureResult> {
    const { args, flags } = await this.parse(Capture);
    this.checkCloud(flags.cloud);
    const [{ runCapture }, { lineProgress }, { interruptOnSignals }] = await Promise.all([
      import('../../pipeline/capture.ts'),
      import('../../cli/progress.ts'),
      import('../../cli/signals.ts'),
    ]);
    const interrupts = interruptOnSignals();
    const progress = lineProgress({ json: this.jsonEnabled() });
    try {
      const result = await runCapture({
        instanceId: args.instanceId,
        name: flags.name,
        stop: flags.stop,
        force: flags.force,
        configPath: flags.config,
        region: flags.region,
        sindriVersion: this.config.version,
        timeoutMs: flags.timeout * 1000,
        progress,
        signal: interrupts.signal,
        ...(this.debugEnabled ? { debug: (line: string) => process.stderr.write(`debug: ${line}\n`) } : {}),
      });
      await progress.close();
      if (!this.jsonEnabled()) {
        const lines = [`image:    ${result.imageId} (${result.name})`, `build ID: ${result.buildId}`];
        for (const [r, id] of Object.entries(result.images)) lines.push(`  ${r}: ${id}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      return result;
    } finally {
      await progress.close();
      interrupts.dispose();
    }
  }
}
