import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type Emulator,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  startEmulator,
} from '../emulator/index.ts';
import { isolatedEnv, runSindri } from '../helpers/cli.ts';

describe('providers.packer.alibaba.credentials_profile', () => {
  let emulator: Emulator;
  let home: string;

  before(async () => {
    emulator = await startEmulator();
    home = mkdtempSync(join(tmpdir(), 'sindri-profile-'));
    mkdirSync(join(home, '.alibabacloud'));
    writeFileSync(
      join(home, '.alibabacloud', 'credentials'),
      [
        '[default]',
        'type = access_key',
        'access_key_id = LTAI-FAKE-WRONG-DEFAULT',
        'access_key_secret = wrong-default-secret',
        '',
        '[image-builder]',
        'type = access_key',
        `access_key_id = ${ROOT_ACCESS_KEY_ID}`,
        `access_key_secret = ${ROOT_ACCESS_KEY_SECRET}`,
        '',
      ].join('\n'),
    );
  });
  after(async () => {
    await emulator.stop();
    rmSync(home, { recursive: true, force: true });
  });

  const config = (profile: string) => {
    const file = join(home, `${profile}.yaml`);
    writeFileSync(
      file,
      `version: "1.0"\nname: profile-test\nproviders:\n  packer:\n    cloud: alibaba\n    alibaba:\n      credentials_profile: ${profile}\n`,
    );
    return file;
  };
  // Keys in the environment too: the configured profile comes before them.
  const env = () =>
    isolatedEnv({
      HOME: home,
      SINDRI_ENDPOINT: emulator.url,
      NO_PROXY: '127.0.0.1',
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'LTAI-FAKE-WRONG-ENV',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong-env-secret',
    });

  it('is used before the environment and the default profile', async () => {
    const r = await runSindri(['packer', 'list', '--config', config('image-builder'), '--json'], {
      env: env(),
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const signers = new Set(emulator.admin.requestLog().map((e) => e.accessKeyId));
    assert.deepEqual([...signers], [ROOT_ACCESS_KEY_ID]);
  });

  it('names a missing profile, without any credential value', async () => {
    const r = await runSindri(['packer', 'list', '--config', config('nope'), '--json'], { env: env() });
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as { error: { code: string; message: string } };
    assert.equal(out.error.code, 'ProfileNotFound');
    assert.match(out.error.message, /profile "nope" was not found/i);
    assert.doesNotMatch(r.stdout + r.stderr, /wrong-env-secret|wrong-default-secret/);
  });
});
