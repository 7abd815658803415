/**
 * The fault matrix: at each phase of the build and of the distribution (a latency fault on that
 * phase's call holds the run there), `sindri packer build` gets SIGINT, SIGTERM or SIGHUP (exit 130,
 * packer cleans up first), loses its stdout pipe (the build goes on to its end, exit 0) or is killed
 * with SIGKILL (packer, under its own supervisor, finishes or cleans up by itself; what might remain,
 * `sweep --dry-run` lists and `sweep` deletes). Then the same command again must finish the job with
 * exactly one image per region and nothing left behind.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Emulator, FaultSpec } from '../emulator/index.ts';
import { jsonResult, runSindri, STACK_TRACE, sindriBin } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { COPY_REGIONS, duplicatesOf, leaksIn, PACKER_SIGNATURE, SDK_SIGNATURE } from '../soak/soak.ts';

export interface InterruptCase {
  phase: string;
  /** Progress line on stderr after which SIGINT is sent. */
  trigger: RegExp;
  /** Slows the phase's call so the signal lands inside it. */
  hold: FaultSpec;
}

const packerHold = (action: string): FaultSpec => ({
  action,
  latencyMs: 1500,
  count: 1,
  signatureMethod: PACKER_SIGNATURE,
});
const sindriHold = (action: string, count = 2): FaultSpec => ({
  action,
  latencyMs: 1500,
  count,
  signatureMethod: SDK_SIGNATURE,
});

export const CASES: InterruptCase[] = [
  { phase: 'preflight', trigger: /\] preflight +rendering/, hold: sindriHold('DescribeImages') },
  { phase: 'network', trigger: /\] network +\S/, hold: packerHold('CreateVSwitch') },
  { phase: 'launch', trigger: /\] launch +\S/, hold: packerHold('CreateInstance') },
  { phase: 'provision', trigger: /\] provision +\S/, hold: packerHold('StopInstance') },
  { phase: 'image', trigger: /\] image +\S/, hold: packerHold('CreateImage') },
  // The test stage's own instance (sindri's, not packer's): killed, sindri leaves it to sweep.
  {
    phase: 'test',
    trigger: /\] test +test instance i-\w+ is running/,
    hold: sindriHold('DeleteInstance', 1),
  },
  { phase: 'distribute: copies', trigger: /: copying m-/, hold: sindriHold('DescribeImages', 6) },
  {
    phase: 'distribute: sharing',
    trigger: /available \(\d+ polls\)/,
    hold: sindriHold('DescribeImageSharePermission', 4),
  },
];

/** What happens to sindri at the phase. */
export type FaultKind = 'SIGINT' | 'SIGTERM' | 'SIGHUP' | 'SIGKILL' | 'closed-stdout';
export const KINDS: readonly FaultKind[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'closed-stdout', 'SIGKILL'];
/** The phases the issue names: network, launch, provision, image, distribution. */
export const FAULT_PHASES = ['network', 'launch', 'provision', 'image', 'test', 'distribute: copies'];

export interface CaseOutcome {
  phase: string;
  kind: FaultKind;
  interrupted: {
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
    signalled: boolean;
    /** From the fault until the faulted run ended. */
    exitMs: number;
  };
  /** From the fault until nothing temporary was left (packer's clean-up, or its build ending). */
  settledMs: number;
  leaksAfterInterrupt: string[];
  /** SIGKILL: what `sweep --dry-run` listed, and what was live when it ran. */
  sweep?: { listed: string[]; live: string[]; code: number | null };
  resumed: { code: number | null; stdout: string; stderr: string };
  duplicates: string[];
  leaksAfterResume: string[];
}

function config(dir: string, sshPort: number, name: string): void {
  writeFileSync(
    join(dir, 'sindri.yaml'),
    [
      'version: "1.0"',
      `name: ${name}`,
      'extensions: { profile: minimal }',
      'providers:',
      '  packer:',
      '    cloud: alibaba',
      `    image_name: ${name}`,
      `    build: { ssh_port: ${sshPort} }`,
      '    alibaba:',
      `      image_copy_regions: [${COPY_REGIONS.join(', ')}]`,
      '      image_share_accounts: ["1234567890123456"]',
      '',
    ].join('\n'),
  );
}

function faultAt(
  dir: string,
  env: NodeJS.ProcessEnv,
  trigger: RegExp,
  kind: FaultKind,
): Promise<CaseOutcome['interrupted']> {
  return new Promise((resolve, reject) => {
    const args = ['packer', 'build', ...(kind === 'closed-stdout' ? ['--json'] : [])];
    const child = spawn(process.execPath, [sindriBin, ...args], { cwd: dir, env, stdio: 'pipe' });
    let stderr = '';
    let signalled = false;
    let at = performance.now();
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!signalled && trigger.test(stderr)) {
        signalled = true;
        at = performance.now();
        if (kind === 'closed-stdout') child.stdout.destroy();
        else child.kill(kind);
      }
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ code, signal, stderr, signalled, exitMs: Math.round(performance.now() - at) }),
    );
  });
}

/** The packer a build started, while it runs (its supervisor writes packer.pid beside the record). */
function runningPacker(dir: string): number | undefined {
  const builds = join(dir, '.sindri', 'builds');
  if (!existsSync(builds)) return undefined;
  for (const id of readdirSync(builds)) {
    const file = join(builds, id, 'packer.pid');
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8'));
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      // gone
    }
  }
  return undefined;
}

/** Waits (at most `limitMs`) until no packer of the build runs; then until nothing temporary is live. */
async function settle(emulator: Emulator, dir: string, limitMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    const live = emulator.admin.liveResources();
    const temporary = [
      live.instances,
      live.eips,
      live.securityGroups,
      live.vswitches,
      live.vpcs,
      live.keyPairs,
    ].flat();
    if (runningPacker(dir) === undefined && temporary.length === 0) break;
    if (runningPacker(dir) === undefined && performance.now() - started > 5000) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return Math.round(performance.now() - started);
}

let caseNumber = 0;

/** Runs one case; `finalImages` collects every finished image so far (they are not leaks). */
export async function runCase(
  emulator: Emulator,
  c: InterruptCase,
  finalImages: Set<string>,
  kind: FaultKind = 'SIGINT',
): Promise<CaseOutcome> {
  const env = emulatorEnv(emulator.url);
  const dir = mkdtempSync(join(tmpdir(), 'sindri-interrupt-'));
  // A name free of phase words: the triggers must match the progress lines, never the image name.
  const name = `fault-${++caseNumber}`;
  config(dir, emulator.sshPort, name);
  const fault = emulator.admin.injectFault(c.hold);
  try {
    const interrupted = await faultAt(dir, env, c.trigger, kind);
    emulator.admin.clearFaults(fault);
    // Killed, sindri cannot wait for packer: the supervisor's packer finishes or cleans up on its own.
    const settledMs = interrupted.exitMs + (kind === 'SIGKILL' ? await settle(emulator, dir, 180_000) : 0);
    // A build that went on (closed pipe, SIGKILL) or half-distributed keeps its images for the resume;
    // anything of packer's is a leak.
    const keepsImages =
      kind === 'SIGKILL' ||
      kind === 'closed-stdout' ||
      c.phase.startsWith('distribute') ||
      c.phase === 'test';
    const leftAfter = () =>
      leaksIn(emulator, finalImages).filter((l) => !/^image |^snapshot /.test(l) || !keepsImages);
    let sweep: CaseOutcome['sweep'];
    if (kind === 'SIGKILL') {
      const dry = await runSindri(['packer', 'sweep', '--dry-run', '--json'], { cwd: dir, env });
      const listed =
        dry.code === 0
          ? (jsonResult(dry.stdout) as { found: Array<{ id: string }> }).found.map((f) => f.id)
          : [];
      const live = emulator.admin.liveResources();
      sweep = {
        listed: listed.sort(),
        live: [live.instances, live.eips, live.securityGroups, live.vswitches, live.vpcs, live.keyPairs]
          .flat()
          .map((r) => r.id)
          .sort(),
        code: dry.code,
      };
      if (listed.length > 0) await runSindri(['packer', 'sweep', '--yes', '--json'], { cwd: dir, env });
    }
    // After SIGKILL, what sweep (listing exactly what was live) found and removed is not left behind.
    const leaksAfterInterrupt = leftAfter();
    const resumed = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    let duplicates: string[] = [];
    if (resumed.code === 0) {
      const result = jsonResult(resumed.stdout) as { buildId: string; images: Record<string, string> };
      for (const id of Object.values(result.images)) finalImages.add(id);
      duplicates = duplicatesOf(emulator, result.buildId, ['cn-hangzhou', ...COPY_REGIONS]);
    }
    return {
      phase: c.phase,
      kind,
      interrupted,
      settledMs,
      leaksAfterInterrupt,
      ...(sweep ? { sweep } : {}),
      resumed,
      duplicates,
      leaksAfterResume: leaksIn(emulator, finalImages),
    };
  } finally {
    emulator.admin.clearFaults(fault);
    rmSync(dir, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  }
}

/** What is wrong with an outcome (empty when it is right). */
export function judgeCase(o: CaseOutcome): string[] {
  const wrong: string[] = [];
  if (!o.interrupted.signalled) wrong.push(`never reached ${o.phase}`);
  const expected =
    o.kind === 'SIGKILL' ? 'signal SIGKILL' : o.kind === 'closed-stdout' ? 'exit 0' : 'exit 130';
  const got = o.interrupted.signal ? `signal ${o.interrupted.signal}` : `exit ${o.interrupted.code}`;
  if (got !== expected) wrong.push(`the faulted run ended with ${got}, not ${expected}`);
  if (STACK_TRACE.test(o.interrupted.stderr)) wrong.push(`stack trace after ${o.kind}`);
  if (o.leaksAfterInterrupt.length > 0)
    wrong.push(`left after ${o.kind}: ${o.leaksAfterInterrupt.join(', ')}`);
  if (o.sweep && o.sweep.code !== 0) wrong.push(`sweep --dry-run exited ${o.sweep.code}`);
  if (o.sweep && o.sweep.listed.join() !== o.sweep.live.join())
    wrong.push(`sweep --dry-run listed ${o.sweep.listed} while ${o.sweep.live} were live`);
  if (o.resumed.code !== 0) wrong.push(`re-run exited ${o.resumed.code}: ${o.resumed.stdout.slice(0, 600)}`);
  if (o.duplicates.length > 0) wrong.push(`duplicates: ${o.duplicates.join(', ')}`);
  if (o.leaksAfterResume.length > 0) wrong.push(`left after the re-run: ${o.leaksAfterResume.join(', ')}`);
  return wrong;
}
