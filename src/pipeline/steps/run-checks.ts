/**
 * Runs every check on the test instance, and reads its packages into the SBOM: over SSH (from
 * outside, or to its private address directly or through the bastion) or through its Cloud
 * Assistant agent, whichever way the build reaches its instances.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { compileChecks, judge, shellQuote } from '../../images/checks.ts';
import { connectCloudAssistant, type RemoteExec } from '../../images/remote-exec.ts';
import { cycloneDx, SBOM_SCRIPT } from '../../images/sbom.ts';
import { connectSsh } from '../../images/ssh-exec.ts';
import { recordDir, type TestingContext, testsToRun } from '../context.ts';
import type { Step } from '../run.ts';

async function reach(ctx: TestingContext): Promise<RemoteExec> {
  const { record, testing } = ctx;
  const reached = ctx.work.test as NonNullable<TestingContext['work']['test']>;
  if (testing.communicator === 'cloud-assistant') {
    ctx.progress.detail('running the checks through Cloud Assistant');
    return connectCloudAssistant(
      {
        clients: await ctx.session.clients(record.region),
        region: record.region,
        instanceId: record.test?.resources.instanceId as string,
        signal: ctx.signal,
        pollMs: testing.pollMs,
      },
      600_000,
    );
  }
  const bastion = testing.communicator === 'ssh-private' ? testing.bastion : undefined;
  return connectSsh({
    host: reached.host,
    port: testing.sshPort,
    username: testing.sshUsername,
    privateKey: reached.privateKey,
    ...(bastion
      ? {
          via: {
            host: bastion.host,
            port: bastion.port,
            username: bastion.username,
            privateKey: bastion.private_key_file
              ? await readFile(resolve(ctx.configDir, bastion.private_key_file), 'utf8')
              : undefined,
          },
        }
      : {}),
  });
}

export const runChecks: Step<TestingContext> = {
  name: 'run-checks',
  skip: (ctx) => (!testsToRun(ctx) || !ctx.work.test) && 'no test instance',
  async run(ctx) {
    const { record, testing } = ctx;
    const ssh = await reach(ctx);
    // Cloud Assistant runs as root; SSH logs in as ssh_username.
    const root = testing.sshUsername === 'root' || testing.communicator === 'cloud-assistant';
    try {
      const results = [];
      for (const spec of compileChecks(testing.tests, testing.extensionChecks)) {
        const script = root ? spec.script : `sudo -n sh -c ${shellQuote(spec.script)}`;
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
