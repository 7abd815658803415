/**
 * `communicator: ssh-private` with the real packer (1.6.6): SSH to the build instance's private
 * address, with no EIP and no public address on the build or the test instance; through a bastion
 * (`build.bastion`), packer's and the test stage's connections both go through it.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Emulator } from '../emulator/index.ts';
import { jsonResult, runSindri } from '../helpers/cli.ts';
import { emulatorProjects, writeProject } from '../helpers/emulator-projects.ts';
import { type JumpHost, startJumpHost } from '../helpers/jump-host.ts';
import { rootClients } from '../helpers/sandbox.ts';

describe('an ssh-private build with the real packer', () => {
  const t = emulatorProjects();
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  let jump: JumpHost;
  let vpcId = '';
  let vswitchId = '';

  const project = (name: string, bastion?: string[]) => {
    const dir = t.workdir('sindri-private-');
    writeProject(dir, name, {
      top: ['tests:', '  checks:', '    - command: "true"'],
      build: [`      ssh_port: ${emu.sshPort}`, '      communicator: ssh-private', ...(bastion ?? [])],
      alibaba: [
        '      instance_type: ecs.g6.large',
        `      vpc_id: ${vpcId}`,
        `      vswitch_id: ${vswitchId}`,
      ],
    });
    return dir;
  };
  const publicAccess = () => ({
    eips: emu.admin.requestLog({ action: 'AllocateEipAddress' }).length,
    publicIps: emu.admin.requestLog({ action: 'AllocatePublicIpAddress' }).length,
    bandwidth: emu.admin
      .requestLog({ action: 'RunInstances' })
      .map((e) => Number(e.params.InternetMaxBandwidthOut ?? 0))
      .filter((b) => b > 0),
  });

  before(async () => {
    emu = t.emu;
    env = t.env;
    jump = await startJumpHost();
    const c = await rootClients(emu);
    vpcId = (await c.call('ecs', 'CreateVpc', { regionId: 'cn-hangzhou', cidrBlock: '10.0.0.0/16' }))
      .vpcId as string;
    vswitchId = (
      await c.call('ecs', 'CreateVSwitch', {
        regionId: 'cn-hangzhou',
        vpcId,
        zoneId: 'cn-hangzhou-h',
        cidrBlock: '10.0.1.0/24',
      })
    ).vSwitchId as string;
  });
  after(() => jump.close());

  it('connects to the private address: no EIP, no public address, the checks pass', async () => {
    const r = await runSindri(['packer', 'build', '--json'], { cwd: project('private-direct'), env });
    assert.equal(r.code, 0, r.stderr);
    const result = jsonResult(r.stdout) as { imageId: string; test: { passed: boolean } };
    assert.match(result.imageId, /^m-/);
    assert.equal(result.test.passed, true);
    assert.deepEqual(publicAccess(), { eips: 0, publicIps: 0, bandwidth: [] });
  });

  it('goes through the bastion: packer and the test stage both', async () => {
    const dir = project('private-bastion', [
      '      bastion:',
      '        host: 127.0.0.1',
      `        port: ${jump.port}`,
      `        username: ${jump.username}`,
      '        private_key_file: bastion.pem',
    ]);
    writeFileSync(join(dir, 'bastion.pem'), jump.privateKey, { mode: 0o600 });
    const r = await runSindri(['packer', 'build', '--json'], { cwd: dir, env });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((jsonResult(r.stdout) as { test: { passed: boolean } }).test.passed, true);
    // packer's session and the test stage's, each to the instance's private address and SSH port.
    assert.ok(jump.forwarded.length >= 2, JSON.stringify(jump.forwarded));
    assert.ok(
      jump.forwarded.every((f) => f === `127.0.0.1:${emu.sshPort}`),
      JSON.stringify(jump.forwarded),
    );
    assert.deepEqual(publicAccess(), { eips: 0, publicIps: 0, bandwidth: [] });
  });
});
