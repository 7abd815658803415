/**
 * The guide's production configuration, with the real packer against the emulator: verbatim it is
 * refused before anything is made (an image on the default service key cannot be shared); with a
 * customer master key per region it builds, encrypts, copies and shares.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type CloudClients, createClients, resolveCredentials } from '../../src/cloud/index.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import type { Image } from '../emulator/state.ts';
import { jsonResult, repoRoot, runSindri } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';

const fixture = (name: string) => readFileSync(join(repoRoot, 'test', 'fixtures', 'config', name), 'utf8');
const KEYS: Record<string, string> = {
  'cn-hangzhou': 'key-hzz62f1cb66fa42qo9vab',
  'cn-shanghai': 'key-shz62f1cb66fa42qo9vab',
  'cn-beijing': 'key-bjz62f1cb66fa42qo9vab',
};
const SHARED_WITH = '1234567890123456';

describe("the guide's production configuration, built with the real packer", () => {
  let emulator: Emulator;
  let env: NodeJS.ProcessEnv;
  let clients: CloudClients;
  const dirs: string[] = [];

  before(async () => {
    emulator = await startEmulator();
    env = emulatorEnv(emulator.url);
    const credentials = await resolveCredentials({ env, home: env.HOME as string });
    clients = await createClients({ credentials, region: 'cn-hangzhou', env });
  });
  after(async () => {
    await emulator.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  /** The fixture with the guide's placeholder VSwitch and security group made real, and the fake SSH port. */
  async function configDir(text: string): Promise<string> {
    const vpc = await clients.call('ecs', 'CreateVpc', {
      regionId: 'cn-hangzhou',
      cidrBlock: '192.168.0.0/16',
    });
    const vsw = await clients.call('ecs', 'CreateVSwitch', {
      regionId: 'cn-hangzhou',
      zoneId: 'cn-hangzhou-h',
      vpcId: vpc.vpcId,
      cidrBlock: '192.168.1.0/24',
    });
    const sg = await clients.call('ecs', 'CreateSecurityGroup', {
      regionId: 'cn-hangzhou',
      vpcId: vpc.vpcId,
    });
    const dir = mkdtempSync(join(tmpdir(), 'sindri-guide-prod-'));
    dirs.push(dir);
    const real = text
      .replace('vsw-bp1xxxx', vsw.vSwitchId as string)
      .replace('sg-bp1xxxx', sg.securityGroupId as string)
      .replace('      cache: true\n', `      cache: true\n      ssh_port: ${emulator.sshPort}\n`);
    assert.notEqual(real, text);
    writeFileSync(join(dir, 'sindri.yaml'), real);
    return dir;
  }

  it('verbatim: build exits 2 at image_encrypted before any call', async () => {
    const dir = await configDir(fixture('guide-production.yaml'));
    emulator.admin.clearRequestLog();
    const res = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(res.code, 2, res.stderr);
    const error = JSON.parse(res.stdout).error as {
      code: string;
      problems: Array<{ line: number; path: string }>;
    };
    assert.equal(error.code, 'InvalidConfig');
    // Line 40 of the fixture, one further down for the ssh_port line added above it.
    assert.deepEqual(
      error.problems.map((p) => [p.line, p.path]),
      [[41, 'providers.packer.alibaba.image_encrypted']],
    );
    assert.deepEqual(emulator.admin.requestLog(), []);
  });

  it('with a KMS key per region: builds, encrypts and copies with each key, shares everywhere', async () => {
    const dir = await configDir(fixture('guide-production-kms.yaml'));
    const res = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(res.code, 0, res.stderr);
    const out = jsonResult(res.stdout) as {
      imageId: string;
      images: Record<string, string>;
      regions: Record<string, { encrypted?: boolean; kmsKeyId?: string; sharedWith?: string[] }>;
      intermediate?: { imageId: string; deleted: boolean };
      errors: string[];
    };
    assert.deepEqual(out.errors, []);
    assert.deepEqual(Object.keys(out.images).sort(), Object.keys(KEYS).sort());
    assert.equal(out.intermediate?.deleted, true);
    assert.equal(
      emulator.admin.world.get('image', 'cn-hangzhou', out.intermediate?.imageId ?? ''),
      undefined,
    );
    for (const [region, key] of Object.entries(KEYS)) {
      const image = emulator.admin.world.get('image', region, out.images[region] as string) as Image;
      assert.equal(image.name, 'sindri-production', region);
      for (const id of image.snapshotIds) {
        const snapshot = emulator.admin.world.get('snapshot', region, id);
        assert.deepEqual([snapshot?.encrypted, snapshot?.kmsKeyId], [true, key], region);
      }
      assert.deepEqual([...image.shareAccounts.keys()], [SHARED_WITH], region);
      assert.deepEqual(out.regions[region]?.sharedWith, [SHARED_WITH], region);
      assert.equal(out.regions[region]?.kmsKeyId, key, region);
      const tags = Object.fromEntries(image.tags);
      assert.equal(tags.Environment, 'production', region);
      assert.equal(tags.ManagedBy, 'sindri', region);
      assert.ok(image.tags.size <= 20, `${region}: ${image.tags.size} tags`);
    }
  });
});
