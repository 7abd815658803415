import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { runSindri, STACK_TRACE } from '../helpers/cli.ts';
import { canaryEnv } from '../helpers/cloud-env.ts';
import { filesBelow } from '../helpers/files.ts';

const KEY_ID = 'LTAI-FAKE-CMDCANARY-93ac1f';
const SECRET = 'cmd-canary-secret-Hx4Vb8Nq2Lp7';

/** Day-2 commands, their failures and --debug, with canary credentials and faults on the way. */
const COMMANDS: string[][] = [
  ['packer', 'list', '--debug'],
  ['packer', 'list', '--json', '--debug'],
  ['packer', 'doctor', '--debug'],
  ['packer', 'delete', 'm-bp1doesnotexist000', '--yes', '--debug'],
  ['packer', 'delete', 'm-bp1doesnotexist000', '--yes', '--json'],
  ['packer', 'distribute', '--image', 'm-bp1doesnotexist000', '--debug'],
  [
    'packer',
    'deploy',
    'm-bp1doesnotexist000',
    '--vswitch-id',
    'vsw-x',
    '--security-group-id',
    'sg-x',
    '--debug',
  ],
  ['packer', 'validate', '--debug'],
  ['packer', 'template', '--out', 'rendered', '--debug'],
];

describe('canary credentials in every other command, its errors and --debug', () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  before(async () => {
    emulator = await startEmulator();
    env = canaryEnv(emulator, { userName: 'canary', accessKeyId: KEY_ID, accessKeySecret: SECRET });
    dir = mkdtempSync(join(tmpdir(), 'sindri-secrets-'));
    writeFileSync(
      join(dir, 'sindri.yaml'),
      'version: "1.0"\nname: canary\nproviders:\n  packer:\n    cloud: alibaba\n',
    );
  });
  after(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  it('never appear in stdout, stderr, written files or the emulator log (but the signing key ID)', async () => {
    // Errors on the first calls (retried) and a refusal, so error messages and retries are in the
    // output too. Counted, not random: a chance of 0.2 on the dozen calls here missed 1 run in 10.
    emulator.admin.injectFault({ code: 'InternalError', count: 3 });
    emulator.admin.injectFault({ code: 'Forbidden.RAM', action: 'DescribeImages', count: 1 });
    const outputs: string[] = [];
    for (const args of COMMANDS) {
      const r = await runSindri(args, { cwd: dir, env });
      assert.ok(r.code !== null && [0, 1, 2].includes(r.code), `${args.join(' ')}: exit ${r.code}`);
      outputs.push(`${args.join(' ')}\n${r.stdout}\n${r.stderr}`);
    }
    emulator.admin.clearFaults();
    const all = outputs.join('\n');
    assert.ok(emulator.admin.requestLog().filter((e) => e.fault).length >= 2, 'the faults did hit');
    assert.match(all, /Error: /, 'the failures did print errors');
    for (const canary of [KEY_ID, SECRET]) {
      assert.ok(!all.includes(canary), `output leaks ${canary}`);
      for (const file of [...filesBelow(dir), ...filesBelow(env.HOME as string)])
        assert.ok(!readFileSync(file, 'utf8').includes(canary), `${file} leaks ${canary}`);
    }
    const log = JSON.stringify(
      emulator.admin
        .requestLog()
        .map(({ accessKeyId: _, params: { AccessKeyId: __, ...params }, ...rest }) => ({ ...rest, params })),
    );
    assert.ok(
      !log.includes(SECRET) && !log.includes(KEY_ID),
      'the emulator saw a canary outside the signature',
    );
    // Resources and tags sindri made: none carry the canary either.
    const world = JSON.stringify(emulator.admin.liveResources());
    assert.ok(!world.includes(SECRET) && !world.includes(KEY_ID));
    assert.doesNotMatch(all.replace(/--debug[\s\S]*/g, ''), STACK_TRACE);
  });
});
