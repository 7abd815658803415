import { Args, Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { optionalConfigFlag, regionFlag } from '../../cli/flags.ts';

export default class Export extends SindriCommand {
  static override summary = 'Export an image to OSS, and optionally download it (resumable, verified)';
  static override description =
    `Starts ExportImage once (ECS writes the object with the RAM role AliyunECSImageExportDefaultRole, which 'sindri packer doctor' checks), waits for the task, confirms the object in OSS and prints its oss:// URL, size and CRC-64.
An earlier export of the same image in the same format under the prefix is reused unless --force.
--download streams the object to a directory with a progress bar; a dropped connection or a Ctrl-C leaves a partial file that the next run resumes with a Range request, and the file is verified against OSS's CRC-64 before it is moved into place.`;
  static override examples = [
    '<%= config.bin %> packer export m-bp1xxxx --to oss://my-images/exports/',
    '<%= config.bin %> packer export m-bp1xxxx --to oss://my-images/exports/ --format qcow2 --download ./images',
    '<%= config.bin %> packer export m-bp1xxxx --to oss://my-images/ --json',
  ];

  static override args = {
    imageId: Args.string({ description: 'Custom image to export', required: true }),
  };

  static override flags = {
    to: Flags.string({
      description: 'Where to export: oss://BUCKET/PREFIX/ (same region as the image)',
      required: true,
    }),
    format: Flags.string({
      description: 'Disk image format',
      options: ['qcow2', 'raw', 'vhd'],
      default: 'raw',
    }),
    download: Flags.string({ description: 'Also download the exported object into this directory' }),
    force: Flags.boolean({
      description: 'Export again even if an export of the image exists; replace a downloaded file',
      default: false,
    }),
    config: optionalConfigFlag,
    region: regionFlag,
    'role-name': Flags.string({
      description: 'RAM role ECS uses to write to OSS',
      default: 'AliyunECSImageExportDefaultRole',
    }),
    timeout: Flags.integer({ description: 'Seconds to wait for the export task', default: 6 * 3600, min: 1 }),
  };

  async run(): Promise<Record<string, unknown>> {
    const { args, flags } = await this.parse(Export);
    // Keep V8's young generation from growing: the cloud SDK's start-up garbage otherwise sets the
    // process's memory high-water mark (about 15 MiB more), which matters next to a large download.
    (await import('node:v8')).setFlagsFromString('--semi-space-growth-factor=1');
    this.checkCloud(flags.cloud);
    const { runExport } = await import('../../transfer/export.ts');
    const { progressLine, progressMode, transferText, formatBytes } = await import(
      '../../transfer/progress.ts'
    );
    const mode = progressMode(this.jsonEnabled());
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const task = progressLine('export  ', mode);
    const dl = progressLine('download', mode);
    const debug = this.debugEnabled;
    try {
      const result = await runExport({
        imageId: args.imageId,
        to: flags.to,
        format: flags.format as 'qcow2' | 'raw' | 'vhd',
        downloadDir: flags.download,
        force: flags.force,
        configPath: flags.config,
        region: flags.region,
        roleName: flags['role-name'],
        timeoutMs: flags.timeout * 1000,
        signal: abort.signal,
        ...(debug ? { debug: (line: string) => process.stderr.write(`debug: ${line}\n`) } : {}),
        onInfo: (line) => this.info(line),
        onTaskProgress: (percent, status) => {
          task.update(percent, status);
          if (percent >= 100) task.done();
        },
        onDownloadProgress: (p) => {
          dl.update(p.total > 0 ? (p.received / p.total) * 100 : 100, transferText(p));
          if (p.received >= p.total) dl.done();
        },
        onDownloadRetry: (e) => {
          dl.done();
          this.info(`connection lost at byte ${e.offset} (${e.reason}); resuming in ${e.delayMs} ms`);
        },
      });
      if (!this.jsonEnabled()) {
        const lines = [
          `url:      ${result.url}`,
          `size:     ${formatBytes(result.size)} (${result.size} bytes)`,
          `checksum: ${result.checksum.algorithm} ${result.checksum.value}`,
        ];
        if (result.download)
          lines.push(`file:     ${result.download.path} (verified by ${result.download.verifiedBy})`);
        process.stdout.write(`${lines.join('\n')}\n`);
      }
      const usage = process.resourceUsage();
      const { downloadMaxRssBytes, ...shown } = result;
      return {
        ...shown,
        ...(debug
          ? {
              debug: {
                maxRssBytes: usage.maxRSS * 1024,
                ...(downloadMaxRssBytes ? { downloadMaxRssBytes } : {}),
              },
            }
          : {}),
      };
    } finally {
      task.done();
      dl.done();
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
  }
}
