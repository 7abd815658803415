/**
 * The interrupt matrix: SIGINT to `sindri packer build` at each phase of the build and of the
 * distribution (a latency fault on that phase's call holds the run there), then the same command
 * again, which must finish the job: exit 130 first, nothing leaked, then exit 0 with exactly one image
 * per region.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  { phase: 'preflight', trigger: /\bpreflight\s+rendering/, hold: sindriHold('DescribeImages') },
  { phase: 'network', trigger: /\bnetwork\s/, hold: packerHold('CreateVSwitch') },
  { phase: 'launch', trigger: /\blaunch\s/, hold: packerHold('CreateInstance') },
  { phase: 'provision', trigger: /\bprovision\s/, hold: packerHold('StopInstance') },
  { phase: 'image', trigger: /\bimage\s/, hold: packerHold('CreateImage') },
  { phase: 'distribute: copies', trigger: /: copying m-/, hold: sindriHold('DescribeImages', 6) },
  {
    phase: 'distribute: sharing',
    trigger: /available \(\d+ polls\)/,
    hold: sindriHold('DescribeImageSharePermission', 4),
  },
];

export interface CaseOutcome {
  phase: string;
  interrupted: { code: number | null; stderr: string; signalled: boolean };
  leaksAfterInterrupt: string[];
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

function interruptAt(
  dir: string,
  env: NodeJS.ProcessEnv,
  trigger: RegExp,
): Promise<{ code: number | null; stderr: string; signalled: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sindriBin, 'packer', 'build'], { cwd: dir, env, stdio: 'pipe' });
    let stderr = '';
    let signalled = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!signalled && trigger.test(stderr)) {
        signalled = true;
        child.kill('SIGINT');
      }
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr, signalled }));
  });
}

/** Runs one case; `finalImages` collects every finished image so far (they are not leaks). */
export async function runCase(
  emulator: Emulator,
  c: InterruptCase,
  finalImages: Set<string>,
): Promise<CaseOutcome> {
  const env = emulatorEnv(emulator.url);
  const dir = mkdtempSync(join(tmpdir(), 'sindri-interrupt-'));
  const name = `intr-${c.phase.replace(/\W+/g, '-')}`;
  config(dir, emulator.sshPort, name);
  const fault = emulator.admin.injectFault(c.hold);
  try {
    const interrupted = await interruptAt(dir, env, c.trigger);
    emulator.admin.clearFaults(fault);
    const leaksAfterInterrupt = leaksIn(emulator, finalImages).filter(
      // A half-distributed build's own images stay for the resume; anything of packer's is a leak.
      (l) => !/^image |^snapshot /.test(l) || !c.phase.startsWith('distribute'),
    );
    const resumed = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    let duplicates: string[] = [];
    if (resumed.code === 0) {
      const result = jsonResult(resumed.stdout) as { buildId: string; images: Record<string, string> };
      for (const id of Object.values(result.images)) finalImages.add(id);
      duplicates = duplicatesOf(emulator, result.buildId, ['cn-hangzhou', ...COPY_REGIONS]);
    }
    return {
      phase: c.phase,
      interrupted,
      leaksAfterInterrupt,
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
  if (o.interrupted.code !== 130) wrong.push(`interrupted run exited ${o.interrupted.code}`);
  if (STACK_TRACE.test(o.interrupted.stderr)) wrong.push('stack trace after SIGINT');
  if (o.leaksAfterInterrupt.length > 0) wrong.push(`left after SIGINT: ${o.leaksAfterInterrupt.join(', ')}`);
  if (o.resumed.code !== 0) wrong.push(`re-run exited ${o.resumed.code}: ${o.resumed.stdout.slice(0, 600)}`);
  if (o.duplicates.length > 0) wrong.push(`duplicates: ${o.duplicates.join(', ')}`);
  if (o.leaksAfterResume.length > 0) wrong.push(`left after the re-run: ${o.leaksAfterResume.join(', ')}`);
  return wrong;
}
