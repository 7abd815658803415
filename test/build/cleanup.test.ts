import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { runSindri } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';

describe('a build whose clean-up fails', () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;

  before(async () => {
    emulator = await startEmulator();
    const user = emulator.admin.createRamUser({
      userName: 'no-key-deletion',
      policies: [
        {
          policyName: 'AllButDeleteKeyPairs',
          document: {
            Version: '1',
            Statement: [
              { Effect: 'Allow', Action: '*', Resource: '*' },
              { Effect: 'Deny', Action: 'ecs:DeleteKeyPairs', Resource: '*' },
            ],
          },
        },
      ],
    });
    env = emulatorEnv(emulator.url, user);
    dir = mkdtempSync(join(tmpdir(), 'sindri-cleanup-'));
    writeFileSync(
      join(dir, 'sindri.yaml'),
      `version: "1.0"\nname: cleanup\nproviders:\n  packer:\n    cloud: alibaba\n    build: { ssh_port: ${emulator.sshPort} }\n`,
    );
  });
  after(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  it('exits 1 naming what packer could not delete, with the built image in the JSON result', async () => {
    const run = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(run.code, 1, run.stderr);
    const out = JSON.parse(run.stdout) as {
      error: { code: string; message: string; actions: string[] };
      result: { imageId: string };
    };
    assert.equal(out.error.code, 'CleanupFailed');
    assert.match(out.error.message, /key ?pair/i);
    assert.match(out.error.actions.join(' '), /ecs:DeleteKeyPairs/);
    assert.match(out.result.imageId, /^m-/);
    // Packer's key pair, and the test stage's, which the same policy keeps it from deleting (it says so).
    assert.equal(emulator.admin.liveResources().keyPairs.length, 2, 'the key pairs really were left behind');
    assert.match(run.stdout, /test instance's resources could not all be removed/);
  });
});
