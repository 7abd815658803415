import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { runSindri } from '../helpers/cli.ts';
import { canaryEnv } from '../helpers/cloud-env.ts';
import { filesBelow } from '../helpers/files.ts';

const CANARY_KEY_ID = 'LTAI-FAKE-CANARY-7f3a9c2e51';
const CANARY_SECRET = 'canary-secret-Q9v2Lw7xT4nZ8pRb';

describe('credentials stay secret during a build', () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  before(async () => {
    emulator = await startEmulator();
    env = canaryEnv(emulator, {
      userName: 'canary',
      accessKeyId: CANARY_KEY_ID,
      accessKeySecret: CANARY_SECRET,
    });
    dir = mkdtempSync(join(tmpdir(), 'sindri-canary-'));
    writeFileSync(
      join(dir, 'sindri.yaml'),
      [
        'version: "1.0"',
        'name: canary',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        '    image_name: sindri-canary',
        '    build:',
        `      ssh_port: ${emulator.sshPort}`,
        '      environment: { GREETING: hello }',
        '    alibaba:',
        '      image_copy_regions: [cn-beijing]',
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  it('keeps canary credentials out of --debug output, packer log, files and the fake instance', async () => {
    const run = await runSindri(['packer', 'build', '--debug', '--json'], { cwd: dir, env });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /\[packer\]/, 'packer log is streamed with --debug');
    for (const canary of [CANARY_KEY_ID, CANARY_SECRET]) {
      assert.ok(!run.stdout.includes(canary), `stdout leaks ${canary}`);
      assert.ok(!run.stderr.includes(canary), `stderr leaks ${canary}`);
      for (const file of filesBelow(dir)) {
        assert.ok(!readFileSync(file, 'utf8').includes(canary), `${file} leaks ${canary}`);
      }
    }
    // What reached the build instance: scripts, uploads and commands.
    const instanceId = emulator.admin.requestLog({ action: 'DeleteInstance' })[0]?.params
      .InstanceId as string;
    const records = emulator.admin.instanceRecords(instanceId);
    const seen = JSON.stringify(records);
    assert.ok(records.uploads.length > 0);
    assert.ok(!seen.includes(CANARY_SECRET) && !seen.includes(CANARY_KEY_ID), 'the instance saw credentials');
    // The emulator saw the key ID only as the signer, never the secret.
    const log = JSON.stringify(emulator.admin.requestLog());
    assert.ok(!log.includes(CANARY_SECRET));
  });
});
