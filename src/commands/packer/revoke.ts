import { Args, Flags } from '@oclif/core';
import { SindriCommand } from '../../cli/base-command.ts';
import { concurrencyFlag, optionalConfigFlag, regionsFlag } from '../../cli/flags.ts';
import { SindriError } from '../../errors.ts';
import type { RevokeResult } from '../../registry/revoke.ts';

export default class Revoke extends SindriCommand {
  static override summary = 'Pull a build everywhere at once: out of its channels, unshared, deprecated';
  static override description =
    `Every image of the build, in every region (DescribeRegions, or the --regions given): taken out of its channels, tagged sindri:revoked with the time and --reason, unshared (10 accounts per call, verified: a shared image cannot be deprecated), and Deprecated (it leaves its family and can no longer be shared or copied; instances running it keep running, and \`sindri packer deploy\` refuses it unless --force). A copy still being made is cancelled. Images built on it (and on those) are tagged sindri:base-revoked and listed.
Refuses to deprecate the last Available image of a family unless --force. Asks first, on a terminal; otherwise one answer line is read from stdin; --yes does not ask. The webhooks of sindri.yaml are told (revoked). Running it again finishes what an interrupted run left.`;
  static override examples = [
    '<%= config.bin %> packer revoke m-bp1xxxx --reason "CVE-2026-1234 in openssl"',
    '<%= config.bin %> packer revoke 20260105-101010-abcdef --reason "bad kernel" --yes --json',
  ];

  static override args = {
    target: Args.string({ description: 'An image of the build (m-…) or its build ID', required: true }),
  };

  static override flags = {
    config: optionalConfigFlag,
    reason: Flags.string({ description: 'Why (kept on every image, 1–100 characters)', required: true }),
    force: Flags.boolean({
      description: 'Deprecate even the last Available image of a family; do not ask',
      default: false,
    }),
    yes: Flags.boolean({ char: 'y', description: 'Do not ask', default: false }),
    region: regionsFlag,
    concurrency: concurrencyFlag,
  };

  async run(): Promise<RevokeResult> {
    const { args, flags } = await this.parse(Revoke);
    this.checkCloud(flags.cloud);
    const [{ runRevoke }, { confirm }] = await Promise.all([
      import('../../registry/revoke.ts'),
      import('../../lifecycle/prompt.ts'),
    ]);
    const tty = !this.jsonEnabled() && process.stderr.isTTY === true;
    const result = await runRevoke({
      target: args.target,
      reason: flags.reason,
      force: flags.force,
      configPath: flags.config,
      regions: flags.region,
      concurrency: flags.concurrency,
      ...(flags.yes || flags.force
        ? {}
        : {
            confirm: (plan) =>
              confirm(
                `Revoke build ${plan.buildId}: deprecate and unshare ${plan.images.length} image(s)?\n${plan.images
                  .map((i) => `  ${i.region}\t${i.imageId}\t${i.name}\t${i.status}`)
                  .join('\n')}\n`,
                { skipFlag: '--yes' },
              ),
          }),
      ...(tty ? { onProgress: (line: string) => this.info(`  ${line}`) } : {}),
    });
    for (const w of result.warnings) this.warning(w, 'NotificationFailed');
    for (const d of result.descendants.filter((x) => !x.flagged))
      this.warning(`${d.region}: ${d.imageId} was built on a revoked image but not flagged: ${d.error}`);
    // As delete does: "n" changes nothing and exits 1.
    if (result.cancelled)
      throw new SindriError('Nothing was revoked.', {
        code: 'Cancelled',
        actions: ['answer "y" to revoke, or pass --yes'],
      });
    if (!this.jsonEnabled()) {
      const [{ renderTable, tableOptions }, { REVOKED_COLUMNS, FLAGGED_COLUMNS }] = await Promise.all([
        import('../../cli/table.ts'),
        import('../../cli/registry-tables.ts'),
      ]);
      const table = tableOptions({ header: true, output: 'table' }, this.colorOn(process.stdout));
      this.print(
        `✓ revoked build ${result.buildId} (${result.name}) in ${new Set(result.images.map((i) => i.region)).size} region(s)`,
      );
      if (result.images.length > 0) this.print(await renderTable(result.images, REVOKED_COLUMNS, table));
      if (result.descendants.length > 0) {
        this.print(`${result.descendants.length} image(s) built on it, tagged sindri:base-revoked:`);
        this.print(await renderTable(result.descendants, FLAGGED_COLUMNS, table));
      }
    }
    return result;
  }
}
