/**
 * `sindri packer sweep` against the emulator: a build whose machine died (sindri, packer and its
 * supervisor killed at once) leaves resources; sweep --dry-run lists exactly them, sweep deletes
 * them, and nothing it did not create, nor a build that still runs, is ever touched.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseDuration } from '../../src/lifecycle/sweep.ts';
import { selectLeftovers } from '../../src/packer/leftovers.ts';
import type { Emulator } from '../emulator/index.ts';
import { startEmulator } from '../emulator/index.ts';
import { jsonResult, runSindri, sindriBin } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { liveTemporary } from '../helpers/emulator-projects.ts';

interface SweepJson {
  found: Array<{ kind: string; id: string; buildId: string; foundBy: string }>;
  outcomes: Array<{ kind: string; id: string; result: string }>;
  skipped: Array<{ buildId: string }>;
}

const live = liveTemporary;

describe('sindri packer sweep', () => {
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  before(async () => {
    emu = await startEmulator();
    env = emulatorEnv(emu.url);
    dir = mkdtempSync(join(tmpdir(), 'sindri-sweep-'));
    writeFileSync(
      join(dir, 'sindri.yaml'),
      [
        'version: "1.0"',
        'name: sweep-test',
        'extensions: { profile: minimal }',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        '    image_name: sweep-test',
        `    build: { ssh_port: ${emu.sshPort} }`,
        '    alibaba: { region: cn-hangzhou }',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  it('after a crash of the whole machine mid-build, --dry-run lists exactly what is left, and sweep deletes it', async () => {
    // Hold packer in provisioning (the instance runs, with its EIP, network and key pair), then kill everything.
    const hold = emu.admin.injectFault({
      action: 'StopInstance',
      latencyMs: 60_000,
      count: 1,
      signatureMethod: 'HMAC-SHA1',
    });
    const child = spawn(process.execPath, [sindriBin, 'packer', 'build'], { cwd: dir, env, stdio: 'pipe' });
    let stderr = '';
    await new Promise<void>((resolve) => {
      child.stderr.setEncoding('utf8').on('data', (c: string) => {
        stderr += c;
        if (/Stopping instance/.test(stderr)) resolve();
      });
    });
    const builds = join(dir, '.sindri', 'builds');
    const buildDir = join(builds, readdirSync(builds)[0] as string);
    const packerPid = Number(readFileSync(join(buildDir, 'packer.pid'), 'utf8'));
    // The whole machine dies: sindri, packer's supervisor (first, or it would see packer go and
    // leave), then packer.
    child.kill('SIGKILL');
    execFileSync('pkill', ['-KILL', '-f', `sindri-packer-supervisor ${buildDir}`]);
    process.kill(-packerPid, 'SIGKILL');
    emu.admin.clearFaults(hold);
    const left = live(emu);
    assert.ok(
      left.some((r) => r.startsWith('instance ')),
      `the crash left the instance: ${left}`,
    );
    assert.ok(
      left.some((r) => r.startsWith('eip ')),
      'and its EIP',
    );

    const dry = await runSindri(['packer', 'sweep', '--dry-run', '--json'], { cwd: dir, env });
    assert.equal(dry.code, 0, dry.stderr);
    const listed = jsonResult<SweepJson>(dry.stdout);
    assert.deepEqual(listed.found.map((f) => `${f.kind} ${f.id}`).sort(), left, 'exactly what is left');
    assert.deepEqual(live(emu), left, '--dry-run deletes nothing');

    const swept = await runSindri(['packer', 'sweep', '--yes', '--json'], { cwd: dir, env });
    assert.equal(swept.code, 0, swept.stdout + swept.stderr);
    assert.deepEqual(
      jsonResult<SweepJson>(swept.stdout).outcomes.filter((o) => o.result === 'failed'),
      [],
    );
    assert.deepEqual(live(emu), [], 'nothing is left');
    const again = await runSindri(['packer', 'sweep', '--yes', '--json'], { cwd: dir, env });
    assert.equal(jsonResult<SweepJson>(again.stdout).found.length, 0, 'a second sweep finds nothing');
  });

  it('leaves alone a build whose packer still runs on this machine', async () => {
    const r1 = await runSindri(['packer', 'sweep', '--dry-run', '--json'], { cwd: dir, env });
    assert.equal(jsonResult<SweepJson>(r1.stdout).found.length, 0);

    // A running "packer" recorded for a build with an open journal entry.
    const fake = join(dir, 'packer');
    copyFileSync('/bin/sleep', fake);
    const sleeper = spawn(fake, ['30'], { stdio: 'ignore' });
    try {
      const running = join(dir, '.sindri', 'builds', '20261201-000000-abcdef');
      mkdirSync(running, { recursive: true });
      writeFileSync(join(running, 'packer.pid'), `${sleeper.pid}\n`);
      writeFileSync(
        join(running, 'api-calls.jsonl'),
        `${JSON.stringify({ event: 'created', kind: 'vpc', id: 'vpc-running00000000', region: 'cn-hangzhou' })}\n`,
      );
      const r2 = await runSindri(['packer', 'sweep', '--dry-run', '--json'], { cwd: dir, env });
      const out = jsonResult<SweepJson>(r2.stdout);
      assert.deepEqual(
        out.skipped.map((s) => s.buildId),
        ['20261201-000000-abcdef'],
      );
    } finally {
      sleeper.kill();
    }
  });

  it('selection: by journal, by name (old enough unless the build is known), by the build VPC; nothing else', () => {
    const now = Date.parse('2026-12-01T12:00:00Z');
    const at = (hoursAgo: number) => new Date(now - hoursAgo * 3_600_000).toISOString();
    const held = {
      instance: [
        { id: 'i-old', name: 'sindri-20261130-010000-aaaaaa', createdAt: at(30), status: 'Running' },
        { id: 'i-young', name: 'sindri-20261201-113000-bbbbbb', createdAt: at(0.5), status: 'Running' },
        { id: 'i-user', name: 'web-1', createdAt: at(100), status: 'Running' },
      ],
      vpc: [{ id: 'vpc-build', name: 'sindri-20261130-010000-aaaaaa', createdAt: at(30) }],
      vswitch: [],
      'security-group': [
        { id: 'sg-build', name: '', createdAt: at(30), vpcId: 'vpc-build' },
        { id: 'sg-user', name: '', createdAt: at(30), vpcId: 'vpc-user' },
      ],
      'key-pair': [
        { id: 'sindri-20261201-113000-cccccc', name: 'sindri-20261201-113000-cccccc', createdAt: at(0.2) },
      ],
      eip: [
        { id: 'eip-on-build', name: '', createdAt: at(30), status: 'InUse', instanceId: 'i-old' },
        { id: 'eip-journal', name: '', createdAt: at(0.1), status: 'Available', instanceId: '' },
        { id: 'eip-user', name: '', createdAt: at(50), status: 'Available', instanceId: '' },
      ],
    };
    const builds = new Map([
      [
        '20261201-113000-cccccc',
        {
          buildId: '20261201-113000-cccccc',
          running: false,
          open: [{ kind: 'eip' as const, id: 'eip-journal', region: 'cn-hangzhou' }],
        },
      ],
    ]);
    const picked = selectLeftovers('cn-hangzhou', held, builds, {
      olderThanSeconds: parseDuration('6h') as number,
      now,
    });
    assert.deepEqual(picked.map((l) => `${l.id}:${l.foundBy}`).sort(), [
      'eip-journal:journal',
      'eip-on-build:network',
      'i-old:name',
      'sg-build:network',
      'sindri-20261201-113000-cccccc:name',
      'vpc-build:name',
    ]);
    assert.equal(parseDuration('90m'), 5400);
    assert.equal(parseDuration('soon'), undefined);
  });
});
