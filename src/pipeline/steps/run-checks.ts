/** Runs every check on the test instance over SSH, and reads its packages into the SBOM. */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { compileChecks, judge, shellQuote } from '../../images/checks.ts';
import { cycloneDx, SBOM_SCRIPT } from '../../images/sbom.ts';
import { connectSsh } from '../../images/ssh-exec.ts';
import { recordDir, type TestingContext, testsToRun } from '../context.ts';
import type { Step } from '../run.ts';

export const runChecks: Step<TestingContext> = {
  name: 'run-checks',
  skip: (ctx) => (!testsToRun(ctx) || !ctx.work.test) && 'no test instance',
  async run(ctx) {
    const { record, testing } = ctx;
    const reached = ctx.work.test as NonNullable<TestingContext['work']['test']>;
    const ssh = await connectSsh({
      host: reached.host,
      port: testing.sshPort,
      username: testing.sshUsername,
      privateKey: reached.privateKey,
    });
    try {
      const results = [];
      for (const spec of compileChecks(testing.tests, testing.extensionChecks)) {
        const script =
          testing.sshUsername === 'root' ? spec.script : `sudo -n sh -c ${shellQuote(spec.script)}`;
        const result = judge(spec, await ssh.run(script, spec.timeoutSeconds * 1000));
        results.push(result);
        ctx.progress.detail(
          `${result.passed ? '✓' : '✗'} ${result.name}${result.reason ? `: ${result.reason}` : ''}`,
        );
      }
      const test = record.test as NonNullable<typeof record.test>;
      test.results = results;
      test.passed = results.every((r) => r.passed);
      if (testing.tests.sbom) {
        const listed = await ssh.run(SBOM_SCRIPT, 120_000);
        const sbom = cycloneDx(listed.stdout, {
          name: record.imageName,
          imageId: record.imageId as string,
          sindriVersion: testing.sindriVersion,
        });
        const file = join(recordDir(ctx), 'sbom.cdx.json');
        await writeFile(file, sbom.text, { mode: 0o600 });
        if (testing.sbomFile) {
          await mkdir(dirname(testing.sbomFile), { recursive: true });
          await writeFile(testing.sbomFile, sbom.text);
        }
        test.sbom = { digest: sbom.digest, packages: sbom.packages, file };
        ctx.progress.detail(`SBOM: ${sbom.packages} packages (${sbom.digest.slice(0, 19)}…)`);
      }
    } finally {
      ssh.close();
    }
  },
};
