/**
 * What the client does when a call fails in a way that leaves its outcome open, through the emulator:
 * a token-less mutation is not resent blindly after a 500 that came after the work was done; it is
 * looked up, or resent only where a second send is harmless. ClientToken calls are resent with the
 * same token, refusals that say "try again" are retried, the server's retry delay is honoured.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, beforeEach, describe, it } from 'node:test';
import { type CloudClients, createClients } from '../../src/cloud/clients.ts';
import { FakeClock } from '../../src/cloud/clock.ts';
import { resolveCredentials } from '../../src/cloud/credentials.ts';
import { CloudError } from '../../src/cloud/errors.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { seedImage } from '../lifecycle/helpers.ts';

const REGION = 'cn-hangzhou';
let emu: Emulator;
let clients: CloudClients;
let clock: FakeClock;

/** An OpenSSH public key line (what ImportKeyPair takes). */
function sshPublicKey(): string {
  const { publicKey: key } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(key.export({ format: 'jwk' }).x as string, 'base64url');
  const part = (b: Buffer) => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([part(Buffer.from('ssh-ed25519')), part(raw)]).toString('base64')}`;
}

const calls = (action: string) => emu.admin.requestLog({ action }).filter((e) => e.product === 'ecs');

before(async () => {
  emu = await startEmulator();
  const env = emulatorEnv(emu.url);
  const credentials = await resolveCredentials({ env, home: env.HOME as string, region: REGION });
  clock = new FakeClock();
  clients = await createClients({ credentials, region: REGION, env, clock, rng: () => 0.5 });
});
after(() => emu.stop());
beforeEach(() => {
  emu.admin.clearFaults();
  emu.admin.clearRequestLog();
});

describe('a token-less mutation whose outcome is unknown', () => {
  it('ImportKeyPair answered 500 after it was done: looked up with DescribeKeyPairs, not sent twice', async () => {
    emu.admin.injectFault({ action: 'ImportKeyPair', code: 'InternalError', afterCall: true, count: 1 });
    const body = await clients.call('ecs', 'ImportKeyPair', {
      regionId: REGION,
      keyPairName: 'resend-done',
      publicKeyBody: sshPublicKey(),
    });
    assert.equal(body.keyPairName, 'resend-done');
    assert.equal(calls('ImportKeyPair').length, 1, 'sent once');
    assert.equal(calls('ImportKeyPair')[0]?.code, 'InternalError');
    assert.equal(calls('DescribeKeyPairs').length, 1, 'looked up');
  });

  it('ImportKeyPair answered 500 before anything was done: the look-up finds nothing, so it is sent again', async () => {
    emu.admin.injectFault({ action: 'ImportKeyPair', code: 'InternalError', count: 1 });
    await clients.call('ecs', 'ImportKeyPair', {
      regionId: REGION,
      keyPairName: 'resend-not-done',
      publicKeyBody: sshPublicKey(),
    });
    assert.deepEqual(
      calls('ImportKeyPair').map((e) => e.status),
      [500, 200],
    );
  });

  it('CreateKeyPair answered 500 after it was done: not sent again (its private key is returned once), the error says so', async () => {
    emu.admin.injectFault({ action: 'CreateKeyPair', code: 'InternalError', afterCall: true, count: 1 });
    await assert.rejects(
      clients.call('ecs', 'CreateKeyPair', { regionId: REGION, keyPairName: 'created-once' }),
      (e: unknown) => {
        assert.ok(e instanceof CloudError);
        assert.equal(e.code, 'InternalError');
        assert.equal(e.statusCode, 500);
        assert.equal(e.outcomeUnknown, true);
        assert.match(e.actions[0] ?? '', /ECS CreateKeyPair may have taken effect/);
        return true;
      },
    );
    assert.equal(calls('CreateKeyPair').length, 1);
    assert.ok(emu.admin.world.get('keypair', REGION, 'created-once'), 'the first send created it');
  });

  it('ModifyImageAttribute (deprecate) answered 500 after it was done: DescribeImages shows it done, not sent twice', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'resend-deprecate' });
    emu.admin.injectFault({
      action: 'ModifyImageAttribute',
      code: 'InternalError',
      afterCall: true,
      count: 1,
    });
    await clients.call('ecs', 'ModifyImageAttribute', {
      regionId: REGION,
      imageId: image.id,
      status: 'Deprecated',
    });
    // A second deprecation would have been refused with ImageStatus.NotAvailable.
    assert.equal(calls('ModifyImageAttribute').length, 1);
    assert.equal(emu.admin.world.status(image), 'Deprecated');
  });

  it('DeleteImage answered 500 after it was done: sent again, and "not found" then means done', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'resend-delete' });
    emu.admin.injectFault({ action: 'DeleteImage', code: 'InternalError', afterCall: true, count: 1 });
    await clients.call('ecs', 'DeleteImage', { regionId: REGION, imageId: image.id });
    const sent = calls('DeleteImage');
    assert.equal(sent.length, 2);
    assert.equal(sent[1]?.code, 'InvalidImageId.NotFound');
    assert.equal(emu.admin.world.get('image', REGION, image.id), undefined);
  });
});

describe('retries', () => {
  it('a ClientToken call is resent with the same token after a 500, and the server does it once', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'resend-copy' });
    emu.admin.injectFault({ action: 'CopyImage', code: 'InternalError', afterCall: true, count: 1 });
    const body = await clients.call('ecs', 'CopyImage', {
      regionId: REGION,
      imageId: image.id,
      destinationRegionId: 'cn-shanghai',
      destinationImageName: 'resend-copy',
    });
    const sent = calls('CopyImage');
    assert.equal(sent.length, 2);
    assert.equal(sent[0]?.params.ClientToken, sent[1]?.params.ClientToken);
    const copies = emu.admin.world.list('image', 'cn-shanghai').filter((i) => i.name === 'resend-copy');
    assert.deepEqual(
      copies.map((c) => c.id),
      [body.imageId],
    );
  });

  it('the same ClientToken with other parameters is IdempotentParameterMismatch, not retried', async () => {
    const { image } = seedImage(emu, { region: REGION, name: 'resend-mismatch' });
    const clientToken = 'sindri-test-mismatch';
    const copy = (name: string) =>
      clients.call(
        'ecs',
        'CopyImage',
        {
          regionId: REGION,
          imageId: image.id,
          destinationRegionId: 'cn-beijing',
          destinationImageName: name,
        },
        { clientToken },
      );
    await copy('resend-mismatch-a');
    await assert.rejects(copy('resend-mismatch-b'), { code: 'IdempotentParameterMismatch', attempts: 1 });
  });

  for (const code of ['OperationConflict', 'Operation.Conflict', 'SystemBusy', 'Rejected.Throttling']) {
    it(`${code} on a token-less mutation is a refusal: retried`, async () => {
      const { image } = seedImage(emu, { region: REGION, name: `resend-${code.replace('.', '-')}` });
      emu.admin.injectFault({ action: 'ModifyImageAttribute', code, status: 403, count: 1 });
      await clients.call('ecs', 'ModifyImageAttribute', {
        regionId: REGION,
        imageId: image.id,
        description: code,
      });
      assert.deepEqual(
        calls('ModifyImageAttribute').map((e) => e.code ?? 'ok'),
        [code, 'ok'],
      );
    });
  }

  it('waits as long as x-acs-retry-after asks (milliseconds) after throttling', async () => {
    emu.admin.injectFault({
      action: 'DescribeRegions',
      code: 'Throttling.User',
      retryAfterMs: 1234,
      count: 1,
    });
    const sleeps = clock.sleeps.length;
    await clients.call('ecs', 'DescribeRegions', {});
    assert.deepEqual(clock.sleeps.slice(sleeps), [1234]);
  });
});
