/**
 * Errors that say what happened: the credential sources tried when none gave credentials, one
 * doctor failure (not one per check) for a wrong secret, the SINDRI_PACKER path that is missing,
 * and `template` working without packer.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CREDENTIAL_SOURCES } from '../../src/cloud/credentials.ts';
import { isolatedEnv, jsonResult, runSindri, STACK_TRACE } from '../helpers/cli.ts';
import { useEmulatorDir } from '../helpers/emulator-dir.ts';

const CONFIG = `version: "1.0"
name: errors
providers:
  packer:
    cloud: alibaba
    image_name: errors-test
    alibaba:
      region: cn-hangzhou
`;

describe('errors that name what happened', () => {
  const box = useEmulatorDir('errors', { 'sindri.yaml': CONFIG });

  it('no credentials anywhere: the error lists every source tried, in order, with a fix', async () => {
    const home = mkdtempSync(join(tmpdir(), 'sindri-errors-home-'));
    const r = await runSindri(['packer', 'list', '--region', 'cn-hangzhou'], {
      cwd: box.dir,
      env: isolatedEnv({ HOME: home, SINDRI_ENDPOINT: box.emu.url }),
    });
    rmSync(home, { recursive: true, force: true });
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /No Alibaba Cloud credentials found\. Tried, in order:/);
    let last = -1;
    for (const source of CREDENTIAL_SOURCES) {
      const at = r.stderr.indexOf(source);
      assert.ok(at > last, `${source} listed, in order`);
      last = at;
    }
    assert.match(r.stderr, /disabled by ALIBABA_CLOUD_ECS_METADATA_DISABLED/);
    assert.match(r.stderr, /fix: .*aliyun configure/);
    assert.doesNotMatch(r.stderr, STACK_TRACE);
  });

  it('a wrong secret: doctor reports one failure, and skips the checks that need the cloud', async () => {
    const r = await runSindri(['packer', 'doctor', '--json'], {
      cwd: box.dir,
      env: { ...box.env, ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong-secret-LTAI-FAKE' },
    });
    assert.equal(r.code, 1);
    const envelope = JSON.parse(r.stdout) as {
      result: { checks: Array<{ id: string; status: string; detail: string }> };
    };
    const checks = envelope.result.checks;
    const failed = checks.filter((c) => c.status === 'fail');
    assert.deepEqual(
      failed.map((c) => c.id),
      ['credentials'],
    );
    assert.match(failed[0]?.detail ?? '', /SignatureDoesNotMatch/);
    for (const id of ['region', 'instance-type', 'source-image', 'image-name', 'quotas', 'ram', 'leftovers'])
      assert.equal(checks.find((c) => c.id === id)?.status, 'skip', id);
    assert.equal(checks.find((c) => c.id === 'packer')?.status, 'pass', 'local checks still run');

    const text = await runSindri(['packer', 'doctor'], {
      cwd: box.dir,
      env: { ...box.env, ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'wrong-secret-LTAI-FAKE' },
    });
    assert.equal(text.stdout.match(/fix: /g)?.length, 1, 'one fix, not one per check');
    assert.match(text.stderr, /1 check\(s\) failed: credentials\./);
  });

  it('SINDRI_PACKER naming a missing file: validate and doctor name that path', async () => {
    const missing = '/nonexistent/packer';
    const v = await runSindri(['packer', 'validate'], {
      cwd: box.dir,
      env: { ...box.env, SINDRI_PACKER: missing },
    });
    assert.equal(v.code, 1);
    assert.match(v.stderr, /SINDRI_PACKER=\/nonexistent\/packer does not exist/);
    assert.match(v.stderr, /fix: point SINDRI_PACKER at the packer executable/);
    assert.doesNotMatch(v.stderr, /not found on PATH/);
    const notExec = join(box.dir, 'packer-not-executable');
    writeFileSync(notExec, '#!/bin/sh\n', { mode: 0o644 });
    const d = await runSindri(['packer', 'doctor', '--json'], {
      cwd: box.dir,
      env: { ...box.env, SINDRI_PACKER: notExec },
    });
    const packer = (
      JSON.parse(d.stdout) as { result: { checks: Array<{ id: string; detail: string }> } }
    ).result.checks.find((c) => c.id === 'packer');
    assert.equal(packer?.detail, `SINDRI_PACKER=${notExec} is not executable`);
  });

  it('template --out - works without packer installed (rendered for packer >= 1.7, with a warning)', async () => {
    const noPacker = { ...box.env, PATH: '/nonexistent-bin' };
    const r = await runSindri(['packer', 'template', '--out', '-'], { cwd: box.dir, env: noPacker });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /source "alicloud-ecs"/);
    assert.match(r.stdout, /required_plugins/);
    assert.match(r.stderr, /warning: packer is not installed/);
    const json = await runSindri(['packer', 'template', '--out', '-', '--json'], {
      cwd: box.dir,
      env: noPacker,
    });
    const envelope = JSON.parse(json.stdout);
    assert.equal(envelope.warnings[0]?.code, 'PackerNotFound');
    assert.match(jsonResult(json.stdout).template, /alicloud-ecs/);
  });
});
