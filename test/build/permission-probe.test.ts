/**
 * Before packer starts, sindri makes each read call packer will wait on once (packer retries a
 * refused read for up to 30 minutes): through the emulator, as a RAM user, with real policies.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClients } from '../../src/cloud/index.ts';
import { policyDocument, requiredActions } from '../../src/doctor/index.ts';
import { SindriError } from '../../src/errors.ts';
import { packerReads, probePackerReads } from '../../src/pipeline/permission-probe.ts';
import { config, type Emulator, startEmulator } from '../doctor/helpers.ts';

let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(() => emu.stop());

const temporaryNetwork = () => config({ alibaba: {} });

async function clientsFor(actions: string[], name: string) {
  const user = emu.admin.createRamUser({
    userName: name,
    policies: [{ policyName: `Probe-${name}`, document: policyDocument(actions) }],
  });
  return createClients({
    credentials: { accessKeyId: user.accessKeyId, accessKeySecret: user.accessKeySecret, source: 'test' },
    region: 'cn-hangzhou',
    env: { SINDRI_ENDPOINT: emu.url },
    retry: { maxAttempts: 1 },
  });
}

describe("the probe of packer's reads", () => {
  test('covers the reads packer polls, named for the API each packer calls', () => {
    assert.deepEqual(packerReads(temporaryNetwork(), '1.6.6'), [
      'ecs:DescribeEipAddresses',
      'ecs:DescribeInstances',
      'ecs:DescribeVSwitches',
      'ecs:DescribeVpcs',
    ]);
    // A given VPC and VSwitch are read once, not polled: packer stops at that refusal by itself.
    const existing = config({ alibaba: { vpc_id: 'vpc-x', vswitch_id: 'vsw-x' } });
    assert.deepEqual(packerReads(existing, '1.6.6'), ['ecs:DescribeEipAddresses', 'ecs:DescribeInstances']);
    // The alicloud plugin (packer >= 1.7) sends the network actions to the VPC API.
    assert.ok(packerReads(temporaryNetwork(), '1.11.2').includes('vpc:DescribeVpcs'));
    // Every probed read is one the minimal policy allows anyway.
    const needed = new Set(requiredActions(temporaryNetwork()).map((a) => a.action));
    for (const read of packerReads(temporaryNetwork(), '1.6.6')) assert.ok(needed.has(read), read);
  });

  test('passes with the minimal policy and makes each read once', async () => {
    const needed = requiredActions(temporaryNetwork()).map((a) => a.action);
    const clients = await clientsFor(needed, 'probe-ok');
    emu.admin.clearRequestLog();
    await probePackerReads(clients, temporaryNetwork(), '1.6.6');
    const called = emu.admin.requestLog().map((e) => `${e.product}:${e.action}`);
    assert.deepEqual(called.sort(), packerReads(temporaryNetwork(), '1.6.6').sort());
  });

  for (const [version, removed] of [
    ['1.6.6', ['ecs:DescribeInstances', 'ecs:DescribeEipAddresses']],
    ['1.11.2', ['vpc:DescribeVpcs']],
  ] as const) {
    test(`fails with Forbidden.RAM naming ${removed.join(' and ')} (packer ${version})`, async () => {
      const needed = requiredActions(temporaryNetwork(), { packerVersion: version }).map((a) => a.action);
      const clients = await clientsFor(
        needed.filter((a) => !(removed as readonly string[]).includes(a)),
        `probe-${version}`,
      );
      const before = emu.admin.liveResources();
      await assert.rejects(probePackerReads(clients, temporaryNetwork(), version), (err: unknown) => {
        assert.ok(err instanceof SindriError);
        assert.equal(err.code, 'Forbidden.RAM');
        for (const action of removed) {
          assert.ok(err.message.includes(action), err.message);
          assert.match(err.actions.join(' '), new RegExp(`^Allow .*${action}.* in a policy`));
        }
        assert.match(err.message, /request ID [0-9A-F-]{36}/);
        return true;
      });
      assert.deepEqual(emu.admin.liveResources(), before, 'nothing was created');
    });
  }
});
