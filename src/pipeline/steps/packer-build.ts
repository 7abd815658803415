/**
 * `packer build`: the builder makes the network, the instance, provisions it and creates the image.
 * Packer 1.6's built-in builder calls the API over plain HTTP through a loopback proxy that names
 * every call RAM refuses, at once (packer's own messages name no action, and some of its loops retry
 * a refusal for minutes).
 *
 * The launch goes to the placement's first candidate (instance type and zone); when it fails for
 * want of capacity (OperationDenied.NoStock and its kin), packer runs again with the next one, only
 * once packer has deleted what it made, each candidate at most once.
 */
import { resolve } from 'node:path';
import { packerEnv } from '../../cloud/credentials.ts';
import { credentialSecrets } from '../../cloud/redact.ts';
import { instanceTypes } from '../../config/types.ts';
import { InterruptedError, SindriError } from '../../errors.ts';
import { findInstanceByName } from '../../images/cloud-assistant.ts';
import { imagesNamed, isManagedBySindri } from '../../images/images.ts';
import { type Candidate, capacityCode } from '../../images/placement.ts';
import { BUILD_ID_TAG, tagRecord } from '../../images/tags.ts';
import type { ApiRefusal } from '../../packer/api-watch.ts';
import { packerSupportsRequiredPlugins } from '../../packer/binary.ts';
import { assistantEnv, newRefusalTag } from '../../packer/cloud-assistant-env.ts';
import { type PackerBuildResult, runPackerBuild } from '../../packer/run.ts';
import { networkFor } from '../build-network.ts';
import { type BuildContext, saveState } from '../context.ts';
import { imagesLeft, leftBehind, type PackerImage, refusedError } from '../packer-failure.ts';
import { type PackerOutput, readPackerOutput } from '../packer-output.ts';
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

const where = (c: Pick<Candidate, 'instanceType' | 'zoneId'>) =>
  `${c.instanceType}${c.zoneId ? ` in ${c.zoneId}` : ''}`;

/** The `-var`s that put one launch on a candidate (and the build's own network, if it has one). */
async function launchVars(ctx: BuildContext, c: Candidate): Promise<string[]> {
  const a = ctx.config.providers.packer.alibaba;
  const vars: Record<string, string> = {};
  if (instanceTypes(a).length > 1) vars.instance_type = c.instanceType;
  if (!a.zone_id && c.zoneId) vars.zone_id = c.zoneId;
  if (!a.vswitch_id && c.vswitchId) vars.vswitch_id = c.vswitchId;
  Object.assign(vars, await networkFor(ctx, c.zoneId));
  return Object.entries(vars).flatMap(([k, v]) => ['-var', `${k}=${v}`]);
}

async function runOnce(
  ctx: BuildContext,
  extra: string[],
): Promise<{ built: PackerBuildResult; output: PackerOutput }> {
  const { record, work } = ctx;
  const rendered = work.rendered;
  if (!rendered || !work.workDir) throw new Error('packer-build: the template was not written');
  const clients = await ctx.session.clients(record.region);
  const credentials = await ctx.session.credentials();
  const env = packerEnv(credentials, record.region, ctx.env);
  const watched = !packerSupportsRequiredPlugins(ctx.packer.version);
  if (ctx.options.debug) env.PACKER_LOG = '1';
  const assisted = ctx.config.providers.packer.build.communicator === 'cloud-assistant';
  const refusalTag = newRefusalTag();
  if (assisted)
    Object.assign(
      env,
      assistantEnv(ctx.config, ctx.env, `sindri-${record.buildId}`, refusalTag, ctx.testing.pollMs),
    );
  const output = readPackerOutput({
    scripts: [...rendered.files.keys()].filter((f) => f.startsWith('scripts/') && f.endsWith('.sh')).length,
    progress: ctx.progress,
    redact: (text) => clients.redact(text),
    verbose: ctx.options.debug,
    onCleanupError: (text) => work.cleanupErrors.push(text),
    ...(assisted
      ? { refusals: { tag: refusalTag, onRefusal: (r) => recordRefusal(ctx, () => output.phase)(r) } }
      : {}),
  });
  const built = await runPackerBuild({
    packerPath: ctx.packer.path,
    dir: work.workDir,
    file: rendered.mainFile,
    args: [
      ...rendered.packerArgs,
      ...extra,
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
  return { built, output };
}

/**
 * The images of this build's name that were not there before it (check-name), and carry no other
 * build's ID: what a failed packer run created and did not delete (its clean-up was refused, or
 * -on-error kept it). Packer tags an image after creating it, so an untagged one is found by its name.
 */
async function imagesPackerLeft(ctx: BuildContext): Promise<PackerImage[]> {
  const { record, work } = ctx;
  try {
    const clients = await ctx.session.clients(record.region);
    const found = await imagesNamed(clients, record.region, record.imageName);
    return found.flatMap((i) => {
      const tags = tagRecord(i.tags);
      const buildId = tags[BUILD_ID_TAG];
      if (!i.imageId || work.sameName.includes(i.imageId) || (buildId && buildId !== record.buildId))
        return [];
      const name = i.imageName ?? record.imageName;
      return [{ imageId: i.imageId, name, region: record.region, tagged: isManagedBySindri(tags) }];
    });
  } catch {
    // The failure itself is what the user must see; a lookup that fails only leaves the image unnamed.
    return [];
  }
}

async function failure(
  ctx: BuildContext,
  built: PackerBuildResult,
  output: PackerOutput,
  left?: string,
): Promise<SindriError> {
  const image = imagesLeft(await imagesPackerLeft(ctx));
  const clients = await ctx.session.clients(ctx.record.region);
  const tail = built.uiTail
    .slice(-12)
    .map((l) => `    ${clients.redact(l)}`)
    .join('\n');
  const where = output.lastScript ? ` while running ${output.lastScript}` : '';
  return new SindriError(
    `packer build failed${where} (exit ${built.exitCode}).\n  last output:\n${tail}${left ? `\n  While cleaning up, ${left}` : ''}${image ? `\n  ${image.sentence}` : ''}`,
    {
      actions: [
        'fix the cause above and run the build again; --on-error abort keeps the instance for debugging',
        ...(image ? [image.fix] : []),
      ],
      code: 'PackerBuildFailed',
    },
  );
}

/** Whether packer left its build instance (a retry waits for it to go, up to two minutes). */
async function instanceRemains(ctx: BuildContext): Promise<boolean> {
  const clients = await ctx.session.clients(ctx.record.region);
  const name = `sindri-${ctx.record.buildId}`;
  for (let i = 0; i < 24; i++) {
    if (!(await findInstanceByName(clients, ctx.record.region, name))) return false;
    await new Promise((r) => setTimeout(r, ctx.testing.pollMs ?? 5000));
  }
  return true;
}

export const packerBuild: Step<BuildContext> = {
  name: 'packer-build',
  skip: (ctx) => ctx.record.cached && 'cache hit',
  async run(ctx) {
    const { record, work } = ctx;
    record.placement ??= {
      candidates: [
        {
          instanceType: instanceTypes(ctx.config.providers.packer.alibaba)[0] as string,
          zoneId: '',
          stock: 'WithStock',
        },
      ],
      attempts: [],
    };
    const plan = record.placement;
    const tried = (c: Candidate) =>
      plan.attempts.some((x) => x.instanceType === c.instanceType && x.zoneId === c.zoneId);
    for (const c of plan.candidates) {
      // Each candidate once, also across a run that stopped half way.
      if (tried(c)) continue;
      // A retry is a launch again; the first attempt is named without moving the display on, so
      // that packer's network set-up still shows as its own phase.
      if (plan.attempts.length > 0) ctx.progress.phase('launch', `launching on ${where(c)}`);
      else if (plan.candidates.length > 1) ctx.progress.detail(`launching on ${where(c)}`);
      const { built, output } = await runOnce(ctx, await launchVars(ctx, c));
      const left = leftBehind(work.refusals);
      if (built.interrupted || ctx.signal.aborted) {
        const said = built.killed
          ? 'interrupted; packer did not finish its cleanup in time and was killed: check for leftover resources.'
          : left
            ? `interrupted; ${left}`
            : 'interrupted; packer cleaned up the resources it had created.';
        const image = imagesLeft(await imagesPackerLeft(ctx));
        throw new InterruptedError(image ? `${said}\n  ${image.sentence}` : said, image?.fix);
      }
      const imageId = built.images[record.region];
      if (built.exitCode === 0 && imageId) {
        record.imageId = imageId;
        record.status = 'built';
        plan.chosen = { instanceType: c.instanceType, zoneId: c.zoneId };
        return;
      }
      if (work.refusals.some((r) => !r.inCleanup))
        throw refusedError(work.refusals, work.cleanupErrors, await imagesPackerLeft(ctx));
      const code = capacityCode(built.uiTail.join('\n'));
      if (!code) throw await failure(ctx, built, output, left);
      plan.attempts.push({ instanceType: c.instanceType, zoneId: c.zoneId, code });
      await saveState(ctx);
      const next = plan.candidates.find((x) => !tried(x));
      if (!next) break;
      // Only once packer has deleted what it made: a second instance must never join a first one.
      if (built.killed || left || work.cleanupErrors.length > 0 || (await instanceRemains(ctx)))
        throw new SindriError(
          `${where(c)} has no capacity (${code}), and packer did not clean up after it: not trying ${where(next)}.`,
          {
            code: 'CleanupFailed',
            actions: ['run `sindri packer sweep` to delete what is left, then build again'],
          },
        );
      ctx.warn(`${where(c)}: ${code}; trying ${where(next)}`);
    }
    const list = plan.attempts.map((x) => `${where(x)} (${x.code})`).join(', ');
    throw new SindriError(`no candidate had capacity; tried ${list}.`, {
      code: 'OperationDenied.NoStock',
      actions: [
        'add instance types to providers.packer.alibaba.instance_type (a ranked list: other families of the same size)',
        ctx.config.providers.packer.alibaba.zone_id || ctx.config.providers.packer.alibaba.vswitch_id
          ? 'remove zone_id (or use a VSwitch in another zone) so other zones are tried'
          : 'try another region',
        'or try again later: stock is replenished',
      ],
    });
  },
};
