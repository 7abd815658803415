/**
 * Fault soak: repeated full `sindri packer build` runs (real packer through the emulator, then
 * distribution: copies, encryption on every other run, sharing, retention) and a `packer distribute`
 * re-run of each, with faults injected on about 20% of the calls.
 *
 * What it proves, honestly:
 * - sindri's own API calls (the Node SDK, signed ACS3-HMAC-SHA256) get every kind of fault on every
 *   action: Throttling, 500 InternalError, 503 ServiceUnavailable, a dropped connection (call not
 *   performed), a lost response (call performed, answer dropped) and latency spikes. Every run must
 *   succeed.
 * - packer's calls (its Go SDK, signed HMAC-SHA1) get only what packer 1.6.6 survives: latency spikes
 *   (`packerFaults`). packer is not ours; a packer failure is covered by the build failure and
 *   interrupt tests (clean exit, nothing of sindri's left, a re-run succeeds).
 * After every run: nothing of packer's temporary resources is left, no image or snapshot exists that
 * is not a final image of a run (or one of its snapshots), and every region holds exactly one image of
 * each build.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator, FaultSpec } from '../emulator/index.ts';
import type { Image, Snapshot } from '../emulator/state.ts';
import { jsonResult, sindriBin } from '../helpers/cli.ts';
import { canaryEnv } from '../helpers/cloud-env.ts';
import { filesBelow } from '../helpers/files.ts';

export const SDK_SIGNATURE = 'ACS3-HMAC-SHA256';
export const PACKER_SIGNATURE = 'HMAC-SHA1';
export const CANARY_KEY_ID = 'LTAI-FAKE-SOAKCANARY-4b1d9e';
export const CANARY_SECRET = 'soak-canary-secret-Zr8qW3mK6vT1';
export const COPY_REGIONS = ['cn-shanghai', 'cn-beijing'];
export const SHARE_ACCOUNT = '1234567890123456';

export interface SoakOptions {
  runs: number;
  /** Share of sindri's calls that get a fault (default 0.2). */
  faultRate?: number;
  /** Also slow down packer's calls at the same rate (default true). */
  packerFaults?: boolean;
  /** Injected latency spike (default 800 ms). */
  maxLatencyMs?: number;
  /** Attempts per API call, as SINDRI_RETRY_ATTEMPTS (default 8). */
  retryAttempts?: number;
  onRun?: (line: string) => void;
  /** Keep each run's output (stdout and stderr of both commands) in this directory. */
  keepOutput?: string;
}

export interface SoakReport {
  runs: number;
  succeeded: number;
  failures: string[];
  calls: { sindri: number; packer: number };
  faults: { sindri: number; packer: number; byKind: Record<string, number> };
  /** Attempts after the first, as sindri's clients logged them (--debug). */
  retries: number;
  duplicates: string[];
  leaks: string[];
  secretLeaks: string[];
  seconds: number;
}

/** The sindri fault kinds, each at rate/kinds so that together about `rate` of calls are hit. */
export function sindriFaults(rate: number, maxLatencyMs: number): FaultSpec[] {
  const kinds: FaultSpec[] = [
    { code: 'Throttling.User', message: 'Request was denied due to user flow control.' },
    { code: 'InternalError' },
    { code: 'ServiceUnavailable' },
    { drop: true },
    { dropResponse: true },
    { latencyMs: maxLatencyMs },
  ];
  const p = 1 - (1 - rate) ** (1 / kinds.length);
  return kinds.map((k) => ({ ...k, action: '*', signatureMethod: SDK_SIGNATURE, probability: p }));
}

/**
 * What packer 1.6.6 survives: slow answers. Observed here, it does not survive Throttling or 503 even on
 * the calls it polls (DescribeInstances while waiting for a state): the build fails after minutes, and
 * when the fault hits its clean-up it leaves the instance, VPC, VSwitch and security group behind. So
 * packer's calls (all of them) only get latency spikes; sindri's get everything.
 */
export function packerFaults(rate: number, maxLatencyMs: number): FaultSpec[] {
  return [{ action: '*', latencyMs: maxLatencyMs, signatureMethod: PACKER_SIGNATURE, probability: rate }];
}

function faultKind(f: FaultSpec): string {
  if (f.code) return f.code;
  if (f.drop) return 'drop';
  if (f.dropResponse) return 'dropResponse';
  return 'latency';
}

function writeConfig(dir: string, sshPort: number, run: number): void {
  writeFileSync(
    join(dir, 'sindri.yaml'),
    [
      'version: "1.0"',
      `name: soak-${run}`,
      'extensions: { profile: minimal }',
      'providers:',
      '  packer:',
      '    cloud: alibaba',
      `    image_name: soak-${run}`,
      `    build: { ssh_port: ${sshPort}, cache: true }`,
      '    alibaba:',
      '      region: cn-hangzhou',
      '      instance_type: ecs.g6.large',
      `      image_copy_regions: [${COPY_REGIONS.join(', ')}]`,
      `      image_share_accounts: ["${SHARE_ACCOUNT}"]`,
      `      image_encrypted: ${run % 2 === 1}`,
      // A shared encrypted image needs a customer master key in every region it reaches.
      ...(run % 2 === 1
        ? [
            `      kms_key_ids: { ${['cn-hangzhou', ...COPY_REGIONS].map((r) => `${r}: key-soak${r.replace(/-/g, '')}`).join(', ')} }`,
          ]
        : []),
      '    retention: { keep: 3 }',
      '    tags: { Team: soak }',
      '',
    ].join('\n'),
  );
}

function run(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sindriBin, ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Every resource that should not exist, given the final images of the runs so far. */
export function leaksIn(emulator: Emulator, finalImages: Set<string>): string[] {
  const live = emulator.admin.liveResources();
  const leaks = [
    ...live.instances,
    ...live.eips,
    ...live.securityGroups,
    ...live.vswitches,
    ...live.vpcs,
    ...live.keyPairs,
    ...live.disks,
  ].map((r) => `${r.id} (${r.status})`);
  const world = emulator.admin.world;
  const images = world.list('image').filter((r) => (r as Image).ownerAlias === 'self') as Image[];
  const used = new Set<string>();
  for (const img of images) {
    for (const s of img.snapshotIds) used.add(s);
    if (!finalImages.has(img.id))
      leaks.push(`image ${img.id} ${img.name} (${world.status(img)}) in ${img.regionId}`);
  }
  for (const s of world.list('snapshot') as Snapshot[])
    if (!used.has(s.id))
      leaks.push(`snapshot ${s.id} (${world.status(s)}) in ${s.regionId}, used by no image`);
  for (const t of live.tasks) if (t.status !== 'Finished') leaks.push(`task ${t.id} (${t.status})`);
  return leaks;
}

/** Regions holding other than exactly one image of the build. */
export function duplicatesOf(emulator: Emulator, buildId: string, regions: string[]): string[] {
  const world = emulator.admin.world;
  const out: string[] = [];
  for (const region of regions) {
    const mine = (world.list('image', region) as Image[]).filter(
      (i) => i.ownerAlias === 'self' && i.tags.get('sindri:build-id') === buildId,
    );
    if (mine.length !== 1)
      out.push(`${region}: ${mine.length} images of build ${buildId} (${mine.map((i) => i.id)})`);
  }
  return out;
}

interface BuildJson {
  buildId: string;
  imageId: string;
  images: Record<string, string>;
}

export async function runSoak(emulator: Emulator, opts: SoakOptions): Promise<SoakReport> {
  const started = performance.now();
  const rate = opts.faultRate ?? 0.2;
  const maxLatencyMs = opts.maxLatencyMs ?? 800;
  const say = opts.onRun ?? (() => {});
  // At 20% faults on every call, 5 attempts (the default) run out about once per 3,000 calls; a soak
  // makes over 200 calls a run, so it uses the documented setting for unreliable networks.
  const env = canaryEnv(
    emulator,
    { userName: 'soak', accessKeyId: CANARY_KEY_ID, accessKeySecret: CANARY_SECRET },
    { SINDRI_RETRY_ATTEMPTS: String(opts.retryAttempts ?? 8) },
  );
  const report: SoakReport = {
    runs: opts.runs,
    succeeded: 0,
    failures: [],
    calls: { sindri: 0, packer: 0 },
    faults: { sindri: 0, packer: 0, byKind: {} },
    retries: 0,
    duplicates: [],
    leaks: [],
    secretLeaks: [],
    seconds: 0,
  };
  const finalImages = new Set<string>();
  const faultIds = new Map<string, string>();
  const inject = (specs: FaultSpec[]) => {
    for (const spec of specs) faultIds.set(emulator.admin.injectFault(spec), faultKind(spec));
  };
  inject(sindriFaults(rate, maxLatencyMs));
  if (opts.packerFaults ?? true) inject(packerFaults(rate, maxLatencyMs));
  // The emulator keeps at most 20,000 log entries: count per run, then clear.
  const account = () => {
    const entries = emulator.admin.requestLog();
    for (const entry of entries) {
      if (!entry.action) continue;
      const who =
        entry.signatureMethod === SDK_SIGNATURE
          ? 'sindri'
          : entry.signatureMethod === PACKER_SIGNATURE
            ? 'packer'
            : undefined;
      if (!who) continue;
      report.calls[who]++;
      if (entry.fault) {
        report.faults[who]++;
        const kind = `${who} ${faultIds.get(entry.fault) ?? entry.fault}`;
        report.faults.byKind[kind] = (report.faults.byKind[kind] ?? 0) + 1;
      }
    }
    // The signing key ID is the one thing the emulator may see (as accessKeyId, and as AccessKeyId
    // among the parameters of a v1 signature).
    const log = JSON.stringify(
      entries.map(({ accessKeyId: _, params: { AccessKeyId: __, ...params }, ...rest }) => ({
        ...rest,
        params,
      })),
    );
    if (log.includes(CANARY_SECRET) || log.includes(CANARY_KEY_ID))
      report.secretLeaks.push('the emulator request log holds a canary outside the signing key ID');
    emulator.admin.clearRequestLog();
  };
  emulator.admin.clearRequestLog();
  const dirs: string[] = [];
  try {
    for (let i = 1; i <= opts.runs; i++) {
      const t0 = performance.now();
      const dir = mkdtempSync(join(tmpdir(), `sindri-soak-${i}-`));
      dirs.push(dir);
      writeConfig(dir, emulator.sshPort, i);
      const build = await run(['packer', 'build', '--json', '--debug'], dir, env);
      const problems: string[] = [];
      let result: BuildJson | undefined;
      if (build.code !== 0) {
        problems.push(`build exit ${build.code}: ${build.stdout.slice(0, 1500)}`);
        // The run counts as failed; the same command again must finish it, so later runs start clean.
        const resumed = await run(['packer', 'build', '--json'], dir, env);
        if (resumed.code === 0) {
          for (const id of Object.values((jsonResult(resumed.stdout) as BuildJson).images))
            finalImages.add(id);
          problems.push('(the same command again finished it)');
        } else problems.push(`the re-run exited ${resumed.code} too`);
      } else result = jsonResult(build.stdout) as BuildJson;
      let again: { code: number | null; stdout: string; stderr: string } | undefined;
      if (result) {
        for (const id of Object.values(result.images)) finalImages.add(id);
        // The distribution again, on its own: it resumes the record and creates nothing new.
        const copiesBefore = emulator.admin
          .requestLog({ action: 'CopyImage' })
          .filter((r) => r.status === 200);
        again = await run(['packer', 'distribute', '--image', result.imageId, '--json', '--debug'], dir, env);
        if (again.code !== 0) problems.push(`distribute exit ${again.code}: ${again.stdout.slice(0, 1500)}`);
        const copiesAfter = emulator.admin
          .requestLog({ action: 'CopyImage' })
          .filter((r) => r.status === 200);
        if (copiesAfter.length !== copiesBefore.length)
          problems.push(`the distribution re-run sent ${copiesAfter.length - copiesBefore.length} CopyImage`);
        const dups = duplicatesOf(emulator, result.buildId, ['cn-hangzhou', ...COPY_REGIONS]);
        report.duplicates.push(...dups.map((d) => `run ${i}: ${d}`));
      }
      if (opts.keepOutput)
        writeFileSync(
          join(opts.keepOutput, `run-${i}.log`),
          [build.stdout, build.stderr, again?.stdout ?? '', again?.stderr ?? ''].join('\n=====\n'),
        );
      account();
      const leaks = leaksIn(emulator, finalImages);
      report.leaks.push(...leaks.map((l) => `run ${i}: ${l}`));
      for (const out of [build, again]) {
        if (!out) continue;
        report.retries += [...`${out.stderr}`.matchAll(/ attempt (\d+): /g)].filter(
          (m) => Number(m[1]) > 1,
        ).length;
      }
      const written = filesBelow(dir).map((f) => readFileSync(f, 'utf8'));
      const seen = [build.stdout, build.stderr, again?.stdout ?? '', again?.stderr ?? '', ...written].join(
        '\n',
      );
      for (const canary of [CANARY_KEY_ID, CANARY_SECRET])
        if (seen.includes(canary)) report.secretLeaks.push(`run ${i}: ${canary} in output or files`);
      if (problems.length === 0 && leaks.length === 0) report.succeeded++;
      else report.failures.push(`run ${i}: ${[...problems, ...leaks].join('; ')}`);
      say(
        `run ${i}/${opts.runs}: ${problems.length === 0 ? 'ok' : 'FAILED'} in ${((performance.now() - t0) / 1000).toFixed(1)} s` +
          (problems.length > 0 ? `\n  ${problems.join('\n  ')}` : ''),
      );
    }
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
    for (const id of faultIds.keys()) emulator.admin.clearFaults(id);
  }
  report.seconds = Math.round((performance.now() - started) / 100) / 10;
  return report;
}

export function formatReport(r: SoakReport): string {
  const kinds = Object.entries(r.faults.byKind)
    .sort()
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return [
    `soak: ${r.succeeded}/${r.runs} runs succeeded in ${r.seconds} s`,
    `calls: sindri ${r.calls.sindri}, packer ${r.calls.packer}`,
    `faults: sindri ${r.faults.sindri} (${((100 * r.faults.sindri) / Math.max(1, r.calls.sindri)).toFixed(1)}%), packer ${r.faults.packer} (${((100 * r.faults.packer) / Math.max(1, r.calls.packer)).toFixed(1)}%)`,
    `  ${kinds}`,
    `retries (sindri): ${r.retries}`,
    `duplicates: ${r.duplicates.length}`,
    `leaks: ${r.leaks.length}`,
    `secret leaks: ${r.secretLeaks.length}`,
    ...r.failures.slice(0, 10).map((f) => `  ${f}`),
    ...r.duplicates.slice(0, 10).map((f) => `  ${f}`),
    ...r.secretLeaks.slice(0, 10).map((f) => `  ${f}`),
  ].join('\n');
}
