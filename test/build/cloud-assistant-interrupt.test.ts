/**
 * The interrupt and crash guarantees hold for cloud-assistant builds: Ctrl-C while a script runs
 * stops its command, lets packer clean up, removes the build's own network and exits 130; when the
 * whole machine dies during a build that had to move to a second candidate, `sindri packer sweep`
 * finds everything the build and its retries left (by the journal and by name) and deletes it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import type { Emulator } from '../emulator/index.ts';
import { jsonResult, runSindri, STACK_TRACE, sindriBin } from '../helpers/cli.ts';
import { emulatorProjects, liveTemporary } from '../helpers/emulator-projects.ts';

/** The parent of a process (packer's supervisor, for packer). */
function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

describe('interrupting and crashing a cloud-assistant build', () => {
  const t = emulatorProjects();
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  before(() => {
    emu = t.emu;
    env = t.env;
  });
  const live = (e: Emulator) => liveTemporary(e);
  const project = (name: string, types = 'ecs.g6.large') => {
    const dir = t.workdir('sindri-ca-kill-');
    writeFileSync(
      join(dir, 'sindri.yaml'),
      [
        'version: "1.0"',
        `name: ${name}`,
        'extensions: { additional: [docker] }',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        `    image_name: ${name}`,
        '    build: { communicator: cloud-assistant, cache: false }',
        `    alibaba: { region: cn-hangzhou, instance_type: [${types}] }`,
        '',
      ].join('\n'),
    );
    return dir;
  };
  /** Starts a build and resolves once its progress shows `pattern`. */
  const startUntil = (dir: string, pattern: RegExp) => {
    const child = spawn(process.execPath, [sindriBin, 'packer', 'build'], { cwd: dir, env, stdio: 'pipe' });
    let stderr = '';
    const reached = new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
        if (pattern.test(stderr)) resolve();
      });
    });
    const closed = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    return { child, reached, closed, stderr: () => stderr };
  };

  it('SIGINT while a script runs: the command is stopped or ends with its instance, packer and sindri clean up: exit 130, nothing left', async () => {
    const dir = project('ca-sigint');
    // Each RunCommand is held before the emulator answers it, and the signal is sent while the base
    // script's is held (the fault counts it on arrival), so it lands while a script is being run.
    const hold = emu.admin.injectFault({ action: 'RunCommand', latencyMs: 1500 });
    const held = () => emu.admin.listFaults().find((f) => f.id === hold)?.hits ?? 0;
    const stops = emu.admin.requestLog({ action: 'StopInvocation' }).length;
    const run = startUntil(dir, /provision\s+step \d+\/\d+: scripts\/10-base\.sh/);
    await run.reached;
    const before = held();
    for (let i = 0; i < 500 && held() === before; i++) await new Promise((r) => setTimeout(r, 10));
    run.child.kill('SIGINT');
    const code = await run.closed;
    emu.admin.clearFaults(hold);
    assert.equal(code, 130, run.stderr());
    assert.doesNotMatch(run.stderr(), STACK_TRACE);
    // The helper stops the command when it gets to (StopInvocation); packer may kill it first, and
    // then the command ends with the instance packer deletes. Either way nothing runs on afterwards.
    const stopped = emu.admin.requestLog({ action: 'StopInvocation' }).length - stops;
    assert.ok(stopped <= 1, `StopInvocation sent ${stopped} times`);
    assert.deepEqual(live(emu), [], 'no instance, key pair, security group, VSwitch or VPC left');
  });

  it('after the whole machine dies on a retried launch, sweep finds and deletes what is left', async () => {
    const dir = project('ca-crash', 'ecs.g6.large, ecs.g6.xlarge');
    emu.admin.setNoStock({ instanceType: 'ecs.g6.large', zoneId: 'cn-hangzhou-b', hidden: true });
    const hold = emu.admin.injectFault({ action: 'DescribeInvocationResults', latencyMs: 60_000, count: 1 });
    const run = startUntil(dir, /provision\s+step 1\//);
    await run.reached;
    const builds = join(dir, '.sindri', 'builds');
    const buildDir = join(builds, readdirSync(builds)[0] as string);
    const packerPid = Number(readFileSync(join(buildDir, 'packer.pid'), 'utf8'));
    const supervisor = parentOf(packerPid);
    // sindri, packer's supervisor (before packer, or it would see packer go), then packer and the helper.
    run.child.kill('SIGKILL');
    process.kill(supervisor, 'SIGKILL');
    process.kill(-packerPid, 'SIGKILL');
    await run.closed;
    emu.admin.clearFaults(hold);
    emu.admin.clearNoStock();
    const left = live(emu);
    for (const kind of ['instance', 'key-pair', 'security-group', 'vpc'])
      assert.ok(
        left.some((r) => r.startsWith(`${kind} `)),
        `the crash left a ${kind}: ${left}`,
      );
    assert.equal(left.filter((r) => r.startsWith('vswitch ')).length, 2, 'a VSwitch for each zone tried');

    const dry = await runSindri(['packer', 'sweep', '--dry-run', '--json'], { cwd: dir, env });
    assert.equal(dry.code, 0, dry.stderr);
    const found = jsonResult<{ found: Array<{ kind: string; id: string }> }>(dry.stdout).found;
    assert.deepEqual(found.map((f) => `${f.kind} ${f.id}`).sort(), left, 'exactly what is left');
    const swept = await runSindri(['packer', 'sweep', '--yes', '--json'], { cwd: dir, env });
    assert.equal(swept.code, 0, swept.stdout + swept.stderr);
    assert.deepEqual(live(emu), [], 'nothing is left');
  });
});
