import { Args, Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { optionalConfigFlag, regionFlag } from '../../cli/flags.ts';
import { IMAGE_FORMAT_REGIONS, type ImageFormat } from '../../transfer/export-format.ts';

export default class Export extends SindriCommand {
  static override summary = 'Export an image to OSS, and optionally download it (resumable, verified)';
  static override description =
    `Starts ExportImage once (ECS writes the objects with the RAM role AliyunECSImageExportDefaultRole, which 'sindri packer doctor' checks), waits for the task, finds the objects ECS wrote (<prefix>_<image-id>_system.raw.tar.gz, and one _data_<disk> object per data disk) and prints their oss:// URLs, sizes, CRC-64 and the format actually produced.
PREFIX is ExportImage's OSSPrefix: 1 to 30 letters and digits that start the object names, not a directory.
--format is honoured only in ${IMAGE_FORMAT_REGIONS.join(', ')}; elsewhere ECS exports RAW, and a warning says so.
An earlier export of the same image in the same format under the prefix is reused unless --force.
--download streams the objects to a directory with a progress bar; a dropped connection or a Ctrl-C leaves a partial file that the next run resumes with a Range request, and each file is verified against OSS's CRC-64 before it is moved into place.`;
  static override examples = [
    '<%= config.bin %> packer export m-bp1xxxx --to oss://my-images/golden',
    '<%= config.bin %> packer export m-bp1xxxx --to oss://my-images/golden --region ap-southeast-1 --format qcow2 --download ./images',
    '<%= config.bin %> packer export m-bp1xxxx --to oss://my-images --json',
  ];

  static override args = {
    imageId: Args.string({ description: 'Custom image to export', required: true }),
  };

  static override flags = {
    to: Flags.string({
      description:
        "Where to export: oss://BUCKET[/PREFIX], the bucket in the image's region, PREFIX 1-30 letters and digits",
      required: true,
    }),
    format: Flags.string({
      description: 'Disk image format (honoured only in some regions; elsewhere RAW)',
      options: ['raw', 'vhd', 'qcow2', 'vmdk', 'vdi'],
      default: 'raw',
    }),
    download: Flags.string({ description: 'Also download the exported objects into this directory' }),
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
    const { etaEstimator, clock } = await import('../../pipeline/progress.ts');
    const taskEta = etaEstimator();
    const etaText = (s: number | undefined) => (s === undefined || s === 0 ? '' : ` ETA ${clock(s)}`);
    const dl = progressLine('download', mode);
    const debug = this.debugEnabled;
    try {
      const result = await runExport({
        imageId: args.imageId,
        to: flags.to,
        format: flags.format as ImageFormat,
        downloadDir: flags.download,
        force: flags.force,
        configPath: flags.config,
        region: flags.region,
        roleName: flags['role-name'],
        timeoutMs: flags.timeout * 1000,
        signal: abort.signal,
        ...(debug ? { debug: (line: string) => process.stderr.write(`debug: ${line}\n`) } : {}),
        onInfo: (line) => this.info(line),
        onWarning: (message, code) => this.warning(message, code),
        onTaskProgress: (percent, status) => {
          task.update(percent, `${status}${etaText(taskEta(percent))}`);
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
        const lines: string[] = [
          `format:   ${result.format}${result.archive === 'none' ? '' : ` (in a ${result.archive})`}`,
        ];
        for (const d of [result, ...result.dataDisks]) {
          lines.push(
            `${d.disk === 'system' ? 'url:     ' : `${d.disk}:`.padEnd(9)} ${d.url}`,
            `size:     ${formatBytes(d.size)} (${d.size} bytes)`,
            `checksum: ${d.checksum.algorithm} ${d.checksum.value}`,
          );
          if (d.download) lines.push(`file:     ${d.download.path} (verified by ${d.download.verifiedBy})`);
        }
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
