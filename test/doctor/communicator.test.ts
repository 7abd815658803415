/**
 * What doctor checks for each communicator, against the emulator: for cloud-assistant, the source
 * image's agent and a way to packages with no public address (a NAT gateway, or what the intranet
 * mirrors leave out), and a security group that lets nothing in; for ssh-private, a network the runner
 * reaches and a readable bastion key.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { SindriConfig } from '../../src/config/types.ts';
import type { CheckResult } from '../../src/doctor/index.ts';
import { config, doctorWorld, type Emulator, expectCheck, type Network, runCheck } from './helpers.ts';

let emu: Emulator;
let net: Network;
let home: string;

before(async () => {
  ({ emu, net, home } = await doctorWorld('sindri-doctor-ca-'));
});
after(() => emu.stop());

const check = (id: string, c: SindriConfig): Promise<CheckResult> => runCheck(emu, home, id, { config: c });

/** Also: a warning must say what to do. */
function expect(r: CheckResult, status: CheckResult['status'], detail: RegExp): void {
  expectCheck(r, status, detail);
  if (status === 'warn') assert.ok(r.fix, `${r.id} warns without a fix`);
}

const assistant = (alibaba: Record<string, unknown> = {}) =>
  config({ communicator: 'cloud-assistant', alibaba });

describe('communicator: cloud-assistant', () => {
  test('a public image in a VPC with a NAT gateway passes', async () => {
    const vpc = { vpc_id: net.vpcId, vswitch_id: net.vswitchId };
    // Without a way out, a warning names the mirrors.
    expect(
      await check('communicator', assistant(vpc)),
      'warn',
      /no internet NAT gateway: downloads from the internet will fail/,
    );
    const c = assistant(vpc);
    c.providers.packer.build.mirrors = 'aliyun-intranet';
    const intranet = await check('communicator', c);
    expect(intranet, 'warn', /intranet mirrors serve apt, yum, pip and Docker CE, but not the Sindri CLI/);
    emu.admin.addNatGateway({ vpcId: net.vpcId });
    expect(
      await check('communicator', assistant(vpc)),
      'pass',
      /carries the agent; no public address, no inbound rule/,
    );
  });

  test('the VPC sindri makes has no way out: a warning', async () => {
    expect(await check('communicator', assistant()), 'warn', /the VPC sindri makes has no NAT gateway/);
  });

  test('an image the API cannot vouch for warns; a Windows image fails', async () => {
    expect(
      await check('communicator', assistant({ source_image: 'm-bp1market00docker01' })),
      'warn',
      /cannot tell whether .* carries the Cloud Assistant agent/,
    );
    expect(
      await check(
        'communicator',
        assistant({ source_image: 'win2022_21H2_x64_dtc_en-us_40G_alibase_20240816.vhd' }),
      ),
      'fail',
      /Windows: Cloud Assistant runs sindri's shell scripts only on Linux/,
    );
  });

  test('the security group check wants no inbound rule, and without a group sindri makes one', async () => {
    const withSg = (sg: string) =>
      assistant({ vpc_id: net.vpcId, vswitch_id: net.vswitchId, security_group_id: sg });
    expect(await check('security-group', withSg(net.openSg)), 'warn', /lets traffic in from anywhere/);
    expect(await check('security-group', withSg(net.closedSg)), 'pass', /lets nothing in from anywhere/);
    expect(await check('security-group', assistant()), 'pass', /no inbound rule/);
  });

  test('the quotas check counts no EIP', async () => {
    const r = await check('quotas', assistant());
    assert.doesNotMatch(r.detail, /EIP/);
    assert.match((await check('quotas', config())).detail, /EIP/);
  });
});

describe('communicator: ssh-private', () => {
  test('needs a VSwitch the runner reaches, and a readable bastion key', async () => {
    const private_ = (alibaba: Record<string, unknown> = {}) =>
      config({ communicator: 'ssh-private', alibaba });
    expect(await check('communicator', private_()), 'fail', /ssh-private without vswitch_id/);
    const inVpc = private_({ vpc_id: net.vpcId, vswitch_id: net.vswitchId });
    expect(await check('communicator', inVpc), 'pass', /the runner must be in the VPC/);
    const dir = await mkdtemp(join(tmpdir(), 'sindri-bastion-'));
    inVpc.providers.packer.build.bastion = {
      host: 'jump.example.com',
      port: 22,
      username: 'ops',
      private_key_file: join(dir, 'missing.pem'),
    };
    expect(await check('communicator', inVpc), 'fail', /the bastion's private key .* cannot be read/);
    await writeFile(join(dir, 'missing.pem'), 'a key', { mode: 0o600 });
    expect(await check('communicator', inVpc), 'pass', /through jump\.example\.com/);
  });

  test('ssh passes as it always did', async () => {
    expect(await check('communicator', config()), 'pass', /ssh over a temporary EIP/);
  });
});
