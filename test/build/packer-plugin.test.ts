import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { isolatedEnv, jsonResult, runSindri } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';

/**
 * Packer >= 1.7 keeps the alicloud builder in a plugin: sindri must run `packer init` before a full
 * validate and before a build. A stand-in packer 1.11.2 records how it is called (the machine has
 * Debian's 1.6.6, and the real plugin download needs the internet).
 */
describe('packer >= 1.7', () => {
  let dir: string;
  let log: string;
  let packer: string;
  let emulator: Emulator;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sindri-plugin-'));
    log = join(dir, 'calls.log');
    packer = join(dir, 'packer');
    writeFileSync(
      packer,
      [
        '#!/bin/sh',
        // sindri hands packer a minimal environment for validate, so the log path is written in.
        `echo "$*" >> '${log}'`,
        'case "$1" in',
        '  version) echo "Packer v1.11.2" ;;',
        '  init) grep -q required_plugins "$2" || exit 3; echo "Installed plugin github.com/hashicorp/alicloud" ;;',
        '  validate) echo "The configuration is valid." ;;',
        '  build)',
        '    echo "1700000000,,ui,say,==> alicloud-ecs.sindri: Creating image: plugin-test"',
        '    echo "1700000000,alicloud-ecs.sindri,artifact,0,id,cn-hangzhou:m-plugin0000001" ;;',
        'esac',
        '',
      ].join('\n'),
    );
    chmodSync(packer, 0o755);
    emulator = await startEmulator();
  });
  after(async () => {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const calls = () => readFileSync(log, 'utf8').trim().split('\n');

  it('validate runs packer init on the rendered template first', async () => {
    writeFileSync(log, '');
    const r = await runSindri(['packer', 'validate', '--config', 'sindri.example.yaml'], {
      env: isolatedEnv({ SINDRI_PACKER: packer }),
    });
    assert.equal(r.code, 0, r.stderr);
    const verbs = calls().map((c) => c.split(' ')[0]);
    assert.deepEqual(verbs.slice(-2), ['init', 'validate']);
  });

  it('build runs packer init, then packer build', async () => {
    writeFileSync(log, '');
    writeFileSync(
      join(dir, 'sindri.yaml'),
      // The stand-in packer makes no image the test stage could start an instance of.
      'version: "1.0"\nname: plugin-test\ntests: { enabled: false }\nproviders:\n  packer:\n    cloud: alibaba\n',
    );
    const env = emulatorEnv(emulator.url, undefined, { SINDRI_PACKER: packer });
    const r = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((jsonResult(r.stdout) as { imageId: string }).imageId, 'm-plugin0000001');
    const verbs = calls().map((c) => c.split(' ')[0]);
    assert.deepEqual(verbs.slice(-2), ['init', 'build']);
    rmSync(env.HOME as string, { recursive: true, force: true });
  });
});
