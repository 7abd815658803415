import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import ssh2 from 'ssh2';
import {
  AdminClient,
  type Emulator,
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  startEmulator,
} from './index.ts';
import { rawPost, signedQuery } from './rpc.ts';
import { $Ecs, $Vpc, sdkClients } from './sdk.ts';

const key = { accessKeyId: ROOT_ACCESS_KEY_ID, secret: ROOT_ACCESS_KEY_SECRET };
let emu: Emulator;
before(async () => {
  emu = await startEmulator();
});
after(async () => {
  await emu.stop();
});

test('absolute-URI proxy requests are routed by product host and region', async () => {
  const q = signedQuery({ ...key, params: { Action: 'DescribeZones', Version: '2014-05-26' } });
  const res = await rawPost(emu.url, q, 'ecs-cn-shanghai.aliyuncs.com');
  assert.equal(res.status, 200);
  const zones = (res.body.Zones as { Zone: Array<{ ZoneId: string }> }).Zone.map((z) => z.ZoneId);
  assert.ok(zones.every((z) => z.startsWith('cn-shanghai-')));
  const vpc = await rawPost(
    emu.url,
    signedQuery({ ...key, params: { Action: 'DescribeVpcs', Version: '2016-04-28' } }),
    'vpc.cn-beijing.aliyuncs.com',
  );
  assert.equal(vpc.status, 200);
  const wrongProduct = await rawPost(
    emu.url,
    signedQuery({ ...key, params: { Action: 'DescribeVpcs', Version: '2016-04-28' } }),
    'ecs.cn-beijing.aliyuncs.com',
  );
  assert.equal(wrongProduct.body.Code, 'InvalidVersion');
  const foreign = await rawPost(emu.url, 'x=1', 'example.com');
  assert.equal(foreign.status, 403);
  const log = emu.admin.requestLog({ action: 'DescribeZones' }).at(-1);
  assert.deepEqual(
    [log?.proxied, log?.regionId, log?.host],
    [true, 'cn-shanghai', 'ecs-cn-shanghai.aliyuncs.com'],
  );
});

test('CONNECT to the location service is refused with a fast 403', async () => {
  const t0 = Date.now();
  const reply = await new Promise<string>((resolve, reject) => {
    const sock = connect(emu.port, '127.0.0.1', () => {
      sock.write(
        'CONNECT location-readonly.aliyuncs.com:443 HTTP/1.1\r\nHost: location-readonly.aliyuncs.com:443\r\n\r\n',
      );
    });
    let data = '';
    sock.on('data', (d) => {
      data += d.toString();
    });
    sock.on('end', () => resolve(data));
    sock.on('error', reject);
  });
  assert.match(reply, /^HTTP\/1\.1 403/);
  assert.ok(Date.now() - t0 < 1000);
});

test('the HTTP admin API seeds users, injects faults, reads the log and lists live resources', async () => {
  const admin = new AdminClient(emu.url);
  assert.equal((await admin.health()).sshPort, emu.sshPort);
  const user = await admin.createRamUser({ userName: 'http-user', policies: ['AliyunVPCFullAccess'] });
  const c = sdkClients(emu.endpoint, user);
  const faultId = await admin.injectFault({ action: 'vpc:CreateVpc', code: 'Throttling.Api', count: 1 });
  assert.equal((await admin.listFaults())[0]?.id, faultId);
  const throttled = await c.vpc
    .createVpc(new $Vpc.CreateVpcRequest({ regionId: 'cn-hangzhou' }))
    .catch((e: { code?: string }) => e);
  assert.equal((throttled as { code?: string }).code, 'Throttling.Api');
  const vpc = await c.vpc.createVpc(new $Vpc.CreateVpcRequest({ regionId: 'cn-hangzhou' }));
  const live = await admin.liveResources('cn-hangzhou');
  assert.deepEqual(
    live.vpcs.map((v) => v.id),
    [vpc.body?.vpcId],
  );
  assert.deepEqual((await admin.liveResources('cn-beijing')).vpcs, []);
  const log = await admin.requestLog({ action: 'CreateVpc' });
  assert.deepEqual(
    log.map((e) => [e.status, e.code ?? '', e.principal]),
    [
      [400, 'Throttling.Api', `acs:ram::1000000000000001:user/http-user`],
      [200, '', `acs:ram::1000000000000001:user/http-user`],
    ],
  );
  await admin.setTimeScale(2);
  assert.equal(emu.admin.world.timeScale, 2);
  await admin.reset();
  assert.equal(emu.admin.world.timeScale, 0);
  assert.deepEqual((await admin.liveResources()).vpcs, []);
  assert.deepEqual(await admin.requestLog(), []);
});

/** Runs one command over SSH with a password and returns its exit code and output. */
function sshExec(
  port: number,
  auth: { password?: string; privateKey?: string },
  command: string,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const conn = new ssh2.Client();
    conn
      .on('ready', () => {
        conn.exec(command, (err, stream) => {
          if (err) return reject(err);
          let out = '';
          stream.on('data', (d: Buffer) => {
            out += d.toString();
          });
          stream.stderr.on('data', (d: Buffer) => {
            out += d.toString();
          });
          stream.on('exit', (code: number) => {
            stream.on('close', () => {
              conn.end();
              resolve({ code, out });
            });
          });
        });
      })
      .on('error', reject)
      .connect({ host: '127.0.0.1', port, username: 'root', ...auth });
  });
}

test('fake instances: password and key-pair login, sftp upload, recorded commands, configured exit codes', async () => {
  const c = sdkClients(emu.endpoint, {
    accessKeyId: ROOT_ACCESS_KEY_ID,
    accessKeySecret: ROOT_ACCESS_KEY_SECRET,
  });
  const vpc = await c.ecs.createVpc(
    new $Ecs.CreateVpcRequest({ regionId: 'cn-hangzhou', cidrBlock: '10.0.0.0/16' }),
  );
  const vsw = await c.ecs.createVSwitch(
    new $Ecs.CreateVSwitchRequest({
      regionId: 'cn-hangzhou',
      vpcId: vpc.body?.vpcId,
      zoneId: 'cn-hangzhou-i',
      cidrBlock: '10.0.1.0/24',
    }),
  );
  const sg = await c.ecs.createSecurityGroup(
    new $Ecs.CreateSecurityGroupRequest({ regionId: 'cn-hangzhou', vpcId: vpc.body?.vpcId }),
  );
  const kp = await c.ecs.createKeyPair(
    new $Ecs.CreateKeyPairRequest({ regionId: 'cn-hangzhou', keyPairName: 'deploy' }),
  );
  const run = await c.ecs.runInstances(
    new $Ecs.RunInstancesRequest({
      regionId: 'cn-hangzhou',
      imageId: 'ubuntu_22_04_x64_20G_alibase_20240130.vhd',
      instanceType: 'ecs.t6-c1m1.large',
      vSwitchId: vsw.body?.vSwitchId,
      securityGroupId: sg.body?.securityGroupId,
      password: 'Fake-Passw0rd!',
      keyPairName: 'deploy',
      internetMaxBandwidthOut: 5,
    }),
  );
  const id = run.body?.instanceIdSets?.instanceIdSet?.[0] ?? '';
  const desc = await c.ecs.describeInstances(
    new $Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify([id]) }),
  );
  assert.deepEqual(desc.body?.instances?.instance?.[0]?.publicIpAddress?.ipAddress, ['127.0.0.1']);

  emu.admin.setCommandResult({ match: 'false-step', exitCode: 3, stderr: 'step failed\n', instanceId: id });
  const ok = await sshExec(emu.sshPort, { password: 'Fake-Passw0rd!' }, 'echo hello');
  assert.equal(ok.code, 0);
  const failed = await sshExec(
    emu.sshPort,
    { privateKey: kp.body?.privateKeyBody ?? '' },
    'run false-step now',
  );
  assert.deepEqual(failed, { code: 3, out: 'step failed\n' });
  await assert.rejects(sshExec(emu.sshPort, { password: 'wrong-password' }, 'true'), /authentication/i);

  // sftp upload through the system's ssh stack would need a client binary; use ssh2's sftp client.
  await new Promise<void>((resolve, reject) => {
    const conn = new ssh2.Client();
    conn
      .on('ready', () =>
        conn.sftp((err, sftp) => {
          if (err) return reject(err);
          sftp.writeFile('/tmp/hello.txt', 'from sftp', (e) => {
            if (e) return reject(e);
            sftp.readFile('/tmp/hello.txt', (e2, data) => {
              conn.end();
              if (e2) return reject(e2);
              assert.equal(data.toString(), 'from sftp');
              resolve();
            });
          });
        }),
      )
      .on('error', reject)
      .connect({ host: '127.0.0.1', port: emu.sshPort, username: 'root', password: 'Fake-Passw0rd!' });
  });
  const rec = emu.admin.instanceRecords(id);
  assert.deepEqual(
    rec.logins.map((l) => l.method),
    ['password', 'publickey', 'password'],
  );
  assert.deepEqual(
    rec.commands.map((x) => [x.command, x.exitCode]),
    [
      ['echo hello', 0],
      ['run false-step now', 3],
    ],
  );
  assert.deepEqual(
    rec.uploads.map((u) => [u.path, u.content, u.via]),
    [['/tmp/hello.txt', 'from sftp', 'sftp']],
  );

  // A stopped instance refuses logins.
  await c.ecs.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id }));
  await assert.rejects(sshExec(emu.sshPort, { password: 'Fake-Passw0rd!' }, 'true'));
});

test('npm run emulator starts the server in the foreground and prints its URL', async () => {
  const child = spawn(process.execPath, ['test/emulator/main.ts', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.on('exit', () => reject(new Error(`exited early: ${out}`)));
  });
  const health = await new AdminClient(url).health();
  assert.equal(health.url, url);
  child.kill('SIGTERM');
  await new Promise((r) => child.on('exit', r));
});
