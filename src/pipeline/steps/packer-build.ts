/**
 * `packer build`: the builder makes the network, the instance, provisions it and creates the image.
 * Packer 1.6's built-in builder calls the API over plain HTTP through a loopback proxy that names
 * every call RAM refuses, at once (packer's own messages name no action, and some of its loops retry
 * a refusal for minutes).
 */
import { resolve } from 'node:path';
import { packerEnv } from '../../cloud/credentials.ts';
import { credentialSecrets } from '../../cloud/redact.ts';
import { InterruptedError, SindriError } from '../../errors.ts';
import type { ApiRefusal } from '../../packer/api-watch.ts';
import { packerSupportsRequiredPlugins } from '../../packer/binary.ts';
import { runPackerBuild } from '../../packer/run.ts';
import type { BuildContext } from '../context.ts';
import { leftBehind, refusedError } from '../packer-failure.ts';
import { readPackerOutput } from '../packer-output.ts';
import type { Step } from '../run.ts';

/** Refusals the loopback proxy saw, each once; a refused delete leaves its resource behind. */
function recordRefusal(ctx: BuildContext, phase: () => string) {
  const { refusals } = ctx.work;
  return (r: ApiRefusal) => {
    if (refusals.some((x) => x.action === r.action && x.code === r.code)) return;
    const inCleanup = phase() === 'cleanup' || /^(Delete|Release)/.test(r.action);
    refusals.push({ ...r, inCleanup });
    ctx.progress.detail(`RAM refused packer's call to ecs:${r.action} (${r.code})`);
  };
}

export const packerBuild: Step<BuildContext> = {
  name: 'packer-build',
  skip: (ctx) => ctx.record.cached && 'cache hit',
  async run(ctx) {
    const { record, work } = ctx;
    const rendered = work.rendered;
    if (!rendered || !work.workDir) throw new Error('packer-build: the template was not written');
    const clients = await ctx.session.clients(record.region);
    const credentials = await ctx.session.credentials();
    const env = packerEnv(credentials, record.region, ctx.env);
    const watched = !packerSupportsRequiredPlugins(ctx.packer.version);
    if (ctx.options.debug) env.PACKER_LOG = '1';
    const output = readPackerOutput({
      scripts: [...rendered.files.keys()].filter((f) => f.startsWith('scripts/') && f.endsWith('.sh')).length,
      progress: ctx.progress,
      redact: (text) => clients.redact(text),
      verbose: ctx.options.debug,
      onCleanupError: (text) => work.cleanupErrors.push(text),
    });
    const built = await runPackerBuild({
      packerPath: ctx.packer.path,
      dir: work.workDir,
      file: rendered.mainFile,
      args: [
        ...rendered.packerArgs,
        // The configured name, or the staging one while --force replaces an image of that name.
        '-var',
        `image_name=${record.imageName}`,
        `-on-error=${ctx.options.onError}`,
        ...ctx.options.varFiles.map((f) => `-var-file=${resolve(f)}`),
      ],
      env,
      secrets: credentialSecrets(credentials),
      ...(watched
        ? { watch: { upstreamEnv: ctx.env, onRefusal: recordRefusal(ctx, () => output.phase) } }
        : {}),
      signal: ctx.signal,
      onEvent: (e) => output.onEvent(e),
      onLog: (line) => {
        if (ctx.options.debug) ctx.options.log(clients.redact(line));
      },
    });

    const left = leftBehind(work.refusals);
    if (built.interrupted || ctx.signal.aborted) {
      throw new InterruptedError(
        built.killed
          ? 'interrupted; packer did not finish its cleanup in time and was killed: check for leftover resources.'
          : left
            ? `interrupted; ${left}`
            : 'interrupted; packer cleaned up the resources it had created.',
      );
    }
    const imageId = built.images[record.region];
    if (built.exitCode === 0 && imageId) {
      record.imageId = imageId;
      record.status = 'built';
      return;
    }
    if (work.refusals.some((r) => !r.inCleanup)) throw refusedError(work.refusals, work.cleanupErrors);
    const tail = built.uiTail
      .slice(-12)
      .map((l) => `    ${clients.redact(l)}`)
      .join('\n');
    const where = output.lastScript ? ` while running ${output.lastScript}` : '';
    throw new SindriError(
      `packer build failed${where} (exit ${built.exitCode}).\n  last output:\n${tail}${left ? `\n  While cleaning up, ${left}` : ''}`,
      {
        actions: [
          'fix the cause above and run the build again; --on-error abort keeps the instance for debugging',
        ],
        code: 'PackerBuildFailed',
      },
    );
  },
};
