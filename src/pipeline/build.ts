import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { ExitCode, SindriError } from '../cli/errors.ts';
import { deniedActionHint } from '../cloud/errors.ts';
import type { CloudClients } from '../cloud/index.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { AlibabaConfig } from '../config/types.ts';
import { type SelfImageFilter, selfImages } from '../lifecycle/images.ts';
import { BUILD_ID_TAG, CONFIG_HASH_TAG, tagRecord } from '../lifecycle/tags.ts';
import { type ApiRefusal, routeThroughWatch, startApiWatch } from '../packer/api-watch.ts';
import { type PackerBinary, packerSupportsRequiredPlugins } from '../packer/binary.ts';
import { packerInit, runPackerBuild } from '../packer/run.ts';
import { writeTemplate } from '../render/render.ts';
import { deniedActionsIn, distribute, distributionErrors } from './distribute.ts';
import { savedRecord } from './distribution-record.ts';
import { probePackerReads } from './permission-probe.ts';
import { renderConfig } from './prepare.ts';
import type { ProgressSink } from './progress.ts';
import { phaseOf } from './progress.ts';
import { type BuildRecord, buildDir, saveRecord } from './record.ts';
import { deleteImagesNamed } from './replace.ts';

export interface BuildOptions {
  loaded: LoadedConfig;
  packer: PackerBinary;
  sindriVersion: string;
  force: boolean;
  onError: 'cleanup' | 'abort';
  varFiles: string[];
  debug: boolean;
  progress: ProgressSink;
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
  /** Redacted lines of packer's own log, with --debug. */
  log: (line: string) => void;
}

export interface BuildResult {
  buildId: string;
  name: string;
  region: string;
  imageId: string;
  images: Record<string, string>;
  configHash: string;
  cached: boolean;
  durationSeconds: number;
  phases: Array<{ name: string; seconds: number }>;
  distribution: Record<string, { state: string; imageId?: string; error?: string }>;
  workDir: string;
}

export class InterruptedError extends SindriError {
  constructor(message: string, hint?: string) {
    super(message, { exitCode: ExitCode.interrupted, code: 'Interrupted', ...(hint ? { hint } : {}) });
    this.name = 'InterruptedError';
  }
}

export function newBuildId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

interface FoundImage {
  imageId: string;
  buildId?: string;
}

/** The build region's available images matching `filter`, with the build that made each. */
async function availableImages(clients: CloudClients, region: string, filter: SelfImageFilter) {
  return (await selfImages(clients, region, { ...filter, status: 'Available' })).map(
    (img): FoundImage => ({
      imageId: img.imageId as string,
      buildId: tagRecord(img.tags)[BUILD_ID_TAG],
    }),
  );
}

async function connect(opts: BuildOptions) {
  const cloud = await import('../cloud/index.ts');
  const alibaba = opts.loaded.config.providers.packer.alibaba;
  const credentials = await cloud.resolveCredentials({
    env: opts.env,
    home: homedir(),
    region: alibaba.region,
    ...(alibaba.credentials_profile ? { profile: alibaba.credentials_profile } : {}),
  });
  const clients = await cloud.createClients({
    credentials,
    region: alibaba.region,
    env: opts.env,
    ...(alibaba.endpoints ? { endpoints: alibaba.endpoints } : {}),
    ...(opts.debug ? { debug: opts.log } : {}),
  });
  return { cloud, credentials, clients };
}

/**
 * The builder only uses an existing VSwitch when it is also given its VPC (otherwise it creates a new
 * VPC and then cannot find the VSwitch in it), so sindri looks the VPC up, as the guide's examples
 * name only the VSwitch.
 */
async function completeNetwork(clients: CloudClients, alibaba: AlibabaConfig): Promise<void> {
  if (!alibaba.vswitch_id || alibaba.vpc_id) return;
  const body = (await clients.call('ecs', 'DescribeVSwitches', {
    regionId: alibaba.region,
    vSwitchId: alibaba.vswitch_id,
  } as never)) as { vSwitches?: { vSwitch?: Array<{ vpcId?: string }> } };
  const vpcId = body.vSwitches?.vSwitch?.[0]?.vpcId;
  if (!vpcId) {
    throw new SindriError(`VSwitch ${alibaba.vswitch_id} was not found in ${alibaba.region}.`, {
      hint: 'check providers.packer.alibaba.vswitch_id and region (sindri packer doctor checks both)',
      code: 'InvalidVSwitchId.NotFound',
    });
  }
  alibaba.vpc_id = vpcId;
}

/** Distribution, with an interrupt turned into exit 130 and a record to resume from. */
async function distributeOrStop(
  signal: AbortSignal,
  record: BuildRecord,
  save: (r: BuildRecord) => Promise<void>,
  options: Parameters<typeof distribute>[0],
): Promise<void> {
  try {
    await distribute(options);
  } catch (err) {
    if (!signal.aborted) throw err;
    record.status = 'interrupted';
    await save(record);
    throw new InterruptedError(
      'interrupted during distribution; copies already started keep going in the cloud.',
      'run the same build again: it finds the image in the cache and continues the distribution',
    );
  }
}

/** packer's closing lines for a failed build: `Build 'x' errored after …`, `Some builds didn't …`. */
const PACKER_SUMMARY = /^(?:Build '[^']*' errored|(?:==> )?Some builds didn't complete|--> )/;

/** The API actions behind packer's clean-up messages ("Error cleaning up keypair", ...). */
const CLEANUP_ACTIONS: Array<[RegExp, string[]]> = [
  [/key ?pair/i, ['ecs:DetachKeyPair', 'ecs:DeleteKeyPairs']],
  [/eip/i, ['ecs:UnassociateEipAddress', 'ecs:ReleaseEipAddress']],
  [/instance/i, ['ecs:DeleteInstance']],
  [/security group/i, ['ecs:DeleteSecurityGroup']],
  [/vswitch/i, ['ecs:DeleteVSwitch']],
  [/vpc/i, ['ecs:DeleteVpc']],
];

export function cleanupActions(messages: string[]): string[] {
  const actions = new Set<string>();
  for (const m of messages) {
    for (const [pattern, names] of CLEANUP_ACTIONS)
      if (pattern.test(m)) for (const n of names) actions.add(n);
  }
  return actions.size > 0 ? [...actions] : ['the Delete* actions of the resources above'];
}

interface Refusal extends ApiRefusal {
  /** Refused while packer was cleaning up: the resource it meant to delete is still there. */
  inCleanup: boolean;
}

/** `Forbidden.RAM: RAM refused ecs:X (request ID …)` and the actions, for refused packer calls. */
function refusalSummary(refusals: Refusal[]): { actions: string[]; sentence: string } | undefined {
  if (refusals.length === 0) return undefined;
  const actions = [...new Set(refusals.map((r) => `ecs:${r.action}`))];
  const codes = [...new Set(refusals.map((r) => r.code))].join(', ');
  const ids = [...new Set(refusals.flatMap((r) => (r.requestId ? [r.requestId] : [])))];
  return {
    actions,
    sentence: `${codes}: RAM refused packer's call to ${actions.join(', ')}${ids.length > 0 ? ` (request ID ${ids.join(', ')})` : ''}.`,
  };
}

/** What refused clean-up calls left behind, as a sentence; undefined when there were none. */
function leftBehind(refusals: Refusal[]): string | undefined {
  const cleanup = refusalSummary(refusals.filter((r) => r.inCleanup));
  return (
    cleanup &&
    `${cleanup.sentence} The resources packer could not delete are still there: delete them by hand.`
  );
}

/** The build failed because RAM refused one of packer's calls. */
function refusedError(refusals: Refusal[], cleanupErrors: string[]): SindriError {
  const during = refusalSummary(refusals.filter((r) => !r.inCleanup));
  const cleanup = refusalSummary(refusals.filter((r) => r.inCleanup));
  const left = leftBehind(refusals);
  const after = left
    ? `While cleaning up, ${left}`
    : cleanupErrors.length > 0
      ? `packer could not delete some temporary resources; delete them by hand:\n    ${cleanupErrors.join('\n    ')}`
      : 'packer deleted the temporary resources it had created.';
  const actions = [...new Set([...(during?.actions ?? []), ...(cleanup?.actions ?? [])])];
  return new SindriError(`packer build failed. ${during?.sentence} ${after}`, {
    hint: `${deniedActionHint(actions).fix} Then run the build again.`,
    code: 'Forbidden.RAM',
  });
}

/** Region → image ID of every image that is ready: the build region's and each finished copy. */
function finishedImages(record: BuildRecord): Record<string, string> {
  const images: Record<string, string> = { [record.region]: record.imageId as string };
  for (const [r, entry] of Object.entries(record.regions)) {
    if (entry.imageId && entry.state === 'available') images[r] = entry.imageId;
  }
  return images;
}

/**
 * The main job: preflight (cache and name collision) → render into a private work directory →
 * packer build → distribution. Every step updates the build record, from which distribution resumes.
 */
export async function runBuild(opts: BuildOptions): Promise<BuildResult> {
  const started = Date.now();
  const { config } = opts.loaded;
  const p = config.providers.packer;
  const region = p.alibaba.region;
  const buildId = newBuildId();
  const progress = opts.progress;

  progress.phase('preflight', `rendering ${p.image_name} for ${region} (packer ${opts.packer.version})`);
  const { cloud, credentials, clients } = await connect(opts);
  await completeNetwork(clients, p.alibaba);
  const rendered = await renderConfig(opts.loaded, opts.packer, {
    buildId,
    sindriVersion: opts.sindriVersion,
  });
  for (const w of rendered.warnings) progress.detail(`warning: ${w.path}: ${w.message}`);
  progress.detail(`credentials from ${credentials.source}; config hash ${rendered.configHash.slice(0, 12)}`);

  const workDir = buildDir(dirname(opts.loaded.file), buildId);
  const record: BuildRecord = {
    buildId,
    configFile: opts.loaded.file,
    configHash: rendered.configHash,
    imageName: p.image_name,
    region,
    startedAt: new Date(started).toISOString(),
    status: 'building',
    cached: false,
    regions: {},
    phases: [],
  };
  // Saved under the record's own build ID: a cache hit continues the record of the build it reuses.
  const save = (r: BuildRecord) => saveRecord(buildDir(dirname(opts.loaded.file), r.buildId), r);

  // The probe of packer's reads runs alongside the preflight look-ups; it only matters when packer
  // runs (not on a cache hit), and is awaited there.
  const probing = probePackerReads(clients, config, opts.packer.version);
  probing.catch(() => {});
  // Both preflight look-ups at once: the cache, and an image already holding the name.
  const useCache = p.build.cache && !opts.force;
  const [hits, sameName] = await Promise.all([
    useCache
      ? availableImages(clients, region, { tags: { [CONFIG_HASH_TAG]: rendered.configHash } })
      : Promise.resolve([]),
    availableImages(clients, region, { imageName: p.image_name }),
  ]);
  if (useCache) {
    const hit = hits[0];
    if (hit) {
      progress.detail(`cache hit: ${hit.imageId} was built from the same configuration`);
      record.cached = true;
      record.imageId = hit.imageId;
      // The cached image's own build ID finds copies made by its build, so they are reused too.
      if (hit.buildId) record.buildId = hit.buildId;
      // A distribution that stopped continues from that build's saved record.
      const saved = await savedRecord(dirname(opts.loaded.file), record.buildId, hit.imageId);
      if (saved) {
        Object.assign(record, { regions: saved.regions, startedAt: saved.startedAt, imageId: saved.imageId });
        if (saved.distribution) record.distribution = saved.distribution;
        progress.detail(`resuming the distribution recorded for build ${record.buildId}`);
      }
    }
  }
  const cleanupErrors: string[] = [];
  // Calls RAM refused packer (seen through the API watch).
  const refusals: Refusal[] = [];
  if (!record.cached) {
    // Before --force deletes anything.
    await probing;
    if (sameName.length > 0 && opts.force) {
      await deleteImagesNamed({
        clientsFor: async () => clients,
        region,
        name: p.image_name,
        copyRegions: p.alibaba.image_copy_regions,
        say: (line) => progress.detail(line),
      });
    } else if (sameName.length > 0) {
      throw new SindriError(
        `an image named ${p.image_name} already exists in ${region} (${sameName[0]?.imageId}).`,
        {
          hint: 'use --force to replace it, or change providers.packer.image_name',
          code: 'ImageNameTaken',
        },
      );
    }
    await save(record);
    await writeTemplate(rendered, workDir);
    const packerEnv = cloud.packerEnv(credentials, region, opts.env);
    if (opts.debug) packerEnv.PACKER_LOG = '1';
    if (packerSupportsRequiredPlugins(opts.packer.version)) {
      progress.detail('packer init: installing the alicloud plugin');
      const init = await packerInit({
        packerPath: opts.packer.path,
        dir: workDir,
        file: rendered.mainFile,
        env: packerEnv,
      });
      if (!init.ok) {
        record.status = 'failed';
        await save(record);
        throw new SindriError(`packer init failed:\n${clients.redact(init.output.trim())}`, {
          hint: 'packer >= 1.7 downloads the alicloud plugin from GitHub; without network access install it with `packer plugins install github.com/hashicorp/alicloud`, or use packer 1.6.x',
          code: 'PackerInitFailed',
        });
      }
    }
    let lastScript = '';
    let step = 0;
    const steps = [...rendered.files.keys()].filter(
      (f) => f.startsWith('scripts/') && f.endsWith('.sh'),
    ).length;
    let lastPhase = '';
    // Packer's builtin builder (< 1.7) calls the API over plain HTTP. Watched, a refused call is
    // named exactly and at once; packer's own message names neither action nor, in its retry loops
    // (AttachKeyPair: a minute), says anything until it gives up.
    const watch = packerSupportsRequiredPlugins(opts.packer.version)
      ? undefined
      : await startApiWatch({
          env: opts.env,
          onRefusal: (r) => {
            if (refusals.some((x) => x.action === r.action && x.code === r.code)) return;
            // A refused delete leaves its resource behind, whenever packer makes it.
            const inCleanup = lastPhase === 'cleanup' || /^(Delete|Release)/.test(r.action);
            refusals.push({ ...r, inCleanup });
            progress.detail(`RAM refused packer's call to ecs:${r.action} (${r.code})`);
          },
        });
    if (watch) routeThroughWatch(packerEnv, watch.url);
    const built = await runPackerBuild({
      packerPath: opts.packer.path,
      dir: workDir,
      file: rendered.mainFile,
      args: [
        ...rendered.packerArgs,
        `-on-error=${opts.onError}`,
        ...opts.varFiles.map((f) => `-var-file=${resolve(f)}`),
      ],
      env: packerEnv,
      signal: opts.signal,
      onEvent: (e) => {
        if (e.type !== 'ui') return;
        const text = clients.redact(e.data.slice(1).join(','));
        const script = /Provisioning with (?:shell script|shell): (.*)/.exec(text);
        if (script?.[1]) lastScript = script[1].split('/').pop() ?? script[1];
        const phase = phaseOf(text);
        if (phase) lastPhase = phase;
        // packer reports a failed deletion and carries on: the resource stays and costs money.
        // (not packer's closing summary of a failed build, which follows the clean-up)
        if (e.data[0] === 'error' && lastPhase === 'cleanup' && !PACKER_SUMMARY.test(text.trim()))
          cleanupErrors.push(text.trim());
        if (script?.[1]) {
          step++;
          progress.phase('provision', `step ${step}/${Math.max(steps, step)}: ${script[1]}`);
          return;
        }
        for (const line of text.split('\n')) {
          const clean = line.replace(/^==> [^:]+: /, '').trim();
          if (!clean) continue;
          if (phase) progress.phase(phase, clean);
          else if (opts.debug || e.data[0] === 'error') progress.detail(clean);
        }
      },
      onLog: (line) => {
        if (opts.debug) opts.log(clients.redact(line));
      },
    }).finally(() => watch?.close());
    if (built.interrupted || opts.signal.aborted) {
      record.status = 'interrupted';
      await save(record);
      const left = leftBehind(refusals);
      throw new InterruptedError(
        built.killed
          ? 'interrupted; packer did not finish its cleanup in time and was killed: check for leftover resources.'
          : left
            ? `interrupted; ${left}`
            : 'interrupted; packer cleaned up the resources it had created.',
      );
    }
    if (built.exitCode !== 0 || !built.images[region]) {
      record.status = 'failed';
      await save(record);
      if (refusals.some((r) => !r.inCleanup)) throw refusedError(refusals, cleanupErrors);
      const tail = built.uiTail
        .slice(-12)
        .map((l) => `    ${clients.redact(l)}`)
        .join('\n');
      const where = lastScript ? ` while running ${lastScript}` : '';
      const left = leftBehind(refusals);
      throw new SindriError(
        `packer build failed${where} (exit ${built.exitCode}).\n  last output:\n${tail}${left ? `\n  While cleaning up, ${left}` : ''}`,
        {
          hint: 'fix the cause above and run the build again; --on-error abort keeps the instance for debugging',
          code: 'PackerBuildFailed',
        },
      );
    }
    record.imageId = built.images[region];
    record.status = 'built';
    await save(record);
  } else {
    await save(record);
  }

  const copyRegions = p.alibaba.image_copy_regions;
  const retention = p.retention && { keep: p.retention.keep, deleteAfterDays: p.retention.delete_after_days };
  if (
    copyRegions.length > 0 ||
    p.alibaba.image_share_accounts.length > 0 ||
    p.alibaba.image_encrypted ||
    retention
  ) {
    progress.phase(
      'distribute',
      `copying to ${copyRegions.length} region(s), sharing with ${p.alibaba.image_share_accounts.length} account(s)`,
    );
    await distributeOrStop(opts.signal, record, save, {
      clients,
      record,
      copyRegions,
      shareAccounts: p.alibaba.image_share_accounts,
      tags: {
        ...p.tags,
        ManagedBy: 'sindri',
        'sindri:build-id': record.buildId,
        'sindri:config-hash': rendered.configHash,
      },
      encrypted: p.alibaba.image_encrypted,
      ...(p.alibaba.kms_key_id ? { kmsKeyId: p.alibaba.kms_key_id } : {}),
      ...(p.alibaba.kms_key_ids ? { kmsKeyIds: p.alibaba.kms_key_ids } : {}),
      retention,
      save,
      onProgress: (text) => progress.detail(text),
      signal: opts.signal,
    });
  } else {
    record.status = 'done';
  }
  const resourceGroup = p.alibaba.resource_group_id;
  if (resourceGroup) {
    // The builder cannot place the image in a resource group; sindri moves each finished image.
    for (const [r, imageId] of Object.entries(finishedImages(record))) {
      await clients.call('ecs', 'JoinResourceGroup', {
        regionId: r,
        resourceId: imageId,
        resourceType: 'image',
        resourceGroupId: resourceGroup,
      } as never);
      progress.detail(`${r}: ${imageId} joined resource group ${resourceGroup}`);
    }
  }
  record.phases = progress.end();
  record.finishedAt = new Date().toISOString();
  await save(record);

  const images: Record<string, string> = { [region]: record.imageId as string };
  for (const [r, entry] of Object.entries(record.regions))
    if (entry.imageId && entry.state === 'available') images[r] = entry.imageId;
  const result: BuildResult = {
    buildId: record.buildId,
    name: p.image_name,
    region,
    imageId: record.imageId as string,
    images,
    configHash: rendered.configHash,
    cached: record.cached,
    durationSeconds: Math.round((Date.now() - started) / 100) / 10,
    phases: record.phases,
    distribution: Object.fromEntries(
      Object.entries(record.regions).map(([r, e]) => [
        r,
        {
          state: e.state,
          ...(e.imageId ? { imageId: e.imageId } : {}),
          ...(e.error ? { error: e.error } : {}),
        },
      ]),
    ),
    workDir,
  };
  const cleanupRefusals = refusals.filter((r) => r.inCleanup);
  if (cleanupErrors.length > 0 || cleanupRefusals.length > 0) {
    const refused = refusalSummary(cleanupRefusals);
    const actions = refused ? refused.actions : cleanupActions(cleanupErrors);
    throw Object.assign(
      new SindriError(
        `the image was built, but packer could not delete some temporary resources:\n    ${cleanupErrors.join('\n    ')}${refused ? `\n  ${refused.sentence}` : ''}`,
        {
          hint: `delete them by hand; they cost money while they exist. ${refused ? deniedActionHint(actions).fix : `Check that the credentials may call ${actions.join(', ')} (sindri packer doctor checks the policy)`}`,
          code: 'CleanupFailed',
        },
      ),
      { result },
    );
  }
  if (record.status === 'failed') {
    const errors = distributionErrors(record);
    const denied = deniedActionsIn(errors);
    throw Object.assign(
      new SindriError(`distribution failed: ${errors.join('; ')}`, {
        hint: `${denied.length > 0 ? `${deniedActionHint(denied).fix} Then run` : 'run'} the build again to resume; completed regions are kept (record: ${buildDir(dirname(opts.loaded.file), record.buildId)}/record.json)`,
        code: 'DistributionFailed',
      }),
      { result },
    );
  }
  return result;
}
