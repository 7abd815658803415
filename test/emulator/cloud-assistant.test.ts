/**
 * The emulated Cloud Assistant through the official SDK: RunCommand's states on the emulated clock,
 * Base64 output and its 24 KB limit, time-outs, StopInvocation, SendFile, the agent's status (no agent
 * on the marketplace image), the size limits of commands and files, and stock-outs in
 * DescribeAvailableResource and at launch. In sandbox mode the command runs for real.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { CloudClients } from '../../src/cloud/index.ts';
import { CloudError } from '../../src/cloud/index.ts';
import { runCommand, sendFile } from '../../src/images/cloud-assistant.ts';
import { launchFromImage, rootClients } from '../helpers/sandbox.ts';
import { type Emulator, startEmulator } from './index.ts';

const REGION = 'cn-hangzhou';
const UBUNTU = 'ubuntu_22_04_x64_20G_alibase_20240130.vhd';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const text = (s: string | undefined) => Buffer.from(s ?? '', 'base64').toString('utf8');

async function result(c: CloudClients, invokeId: string, encoding?: string) {
  const body = await c.call('ecs', 'DescribeInvocationResults', {
    regionId: REGION,
    invokeId,
    ...(encoding ? { contentEncoding: encoding } : {}),
  });
  const r = body.invocation?.invocationResults?.invocationResult?.[0];
  assert.ok(r, 'DescribeInvocationResults returned the invocation');
  return r;
}

async function run(c: CloudClients, instanceId: string, script: string, timeout = 60) {
  const r = await c.call('ecs', 'RunCommand', {
    regionId: REGION,
    instanceId: [instanceId],
    type: 'RunShellScript',
    commandContent: b64(script),
    contentEncoding: 'Base64',
    timeout,
  });
  assert.match(r.invokeId ?? '', /^t-/);
  assert.match(r.commandId ?? '', /^c-/);
  return r.invokeId as string;
}

async function refusal(p: Promise<unknown>): Promise<CloudError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof CloudError, String(err));
    return err;
  }
  assert.fail('the call was not refused');
}

describe('Cloud Assistant (recording instances)', () => {
  let emu: Emulator;
  let c: CloudClients;
  let instanceId: string;
  before(async () => {
    emu = await startEmulator();
    c = await rootClients(emu);
    instanceId = (await launchFromImage(emu, UBUNTU)).instanceId;
  });
  after(() => emu.stop());

  test('a command goes Pending, Running, then Success or Failed with its exit code and Base64 output', async () => {
    emu.admin.setCommandResult({ match: 'build-step', exitCode: 0, stdout: 'step done\n', seconds: 30 });
    emu.admin.setCommandResult({ match: 'broken-step', exitCode: 7, stderr: 'it broke\n' });
    emu.admin.setTimeScale(1);
    try {
      const ok = await run(c, instanceId, 'echo build-step');
      assert.equal((await result(c, ok)).invocationStatus, 'Pending');
      emu.admin.advanceTime(1500);
      const running = await result(c, ok);
      assert.equal(running.invocationStatus, 'Running');
      assert.equal(running.invokeRecordStatus, 'Running');
      emu.admin.advanceTime(30_000);
      const done = await result(c, ok);
      assert.equal(done.invocationStatus, 'Success');
      assert.equal(done.invokeRecordStatus, 'Finished');
      assert.equal(done.exitCode, 0);
      assert.equal(text(done.output), 'step done\n');
      assert.equal((await result(c, ok, 'PlainText')).output, 'step done\n');

      const bad = await run(c, instanceId, 'echo broken-step');
      emu.admin.advanceTime(2000);
      const failed = await result(c, bad);
      assert.equal(failed.invocationStatus, 'Failed');
      assert.equal(failed.exitCode, 7);
      assert.equal(failed.errorCode, 'ExitCodeNonzero');
      assert.equal(text(failed.output), 'it broke\n');
    } finally {
      emu.admin.setTimeScale(0);
    }
  });

  test('a command longer than its Timeout ends Timeout; StopInvocation terminates a running one', async () => {
    emu.admin.setCommandResult({ match: 'forever', exitCode: 0, seconds: 600 });
    const late = await run(c, instanceId, 'echo forever', 60);
    const timedOut = await result(c, late);
    assert.equal(timedOut.invocationStatus, 'Timeout');
    assert.equal(timedOut.errorCode, 'ExecutionTimeout');
    emu.admin.setTimeScale(1);
    try {
      const stopped = await run(c, instanceId, 'echo forever', 3600);
      emu.admin.advanceTime(1500);
      assert.equal((await result(c, stopped)).invocationStatus, 'Running');
      await c.call('ecs', 'StopInvocation', {
        regionId: REGION,
        invokeId: stopped,
        instanceId: [instanceId],
      });
      const r = await result(c, stopped);
      assert.equal(r.invocationStatus, 'Terminated');
      assert.equal(r.invokeRecordStatus, 'Stopped');
      const pending = await run(c, instanceId, 'echo forever', 3600);
      await c.call('ecs', 'StopInvocation', { regionId: REGION, invokeId: pending });
      assert.equal((await result(c, pending)).invocationStatus, 'Cancelled');
    } finally {
      emu.admin.setTimeScale(0);
    }
  });

  test('a StopInvocation answered 500 after it stopped the command is sent again, and the second send leaves it stopped', async () => {
    emu.admin.setCommandResult({ match: 'lost-stop', exitCode: 0, seconds: 600 });
    emu.admin.setTimeScale(1);
    try {
      const invokeId = await run(c, instanceId, 'echo lost-stop', 3600);
      emu.admin.advanceTime(1500);
      emu.admin.clearRequestLog();
      emu.admin.injectFault({ action: 'StopInvocation', code: 'InternalError', afterCall: true, count: 1 });
      await c.call('ecs', 'StopInvocation', { regionId: REGION, invokeId, instanceId: [instanceId] });
      const sends = emu.admin.requestLog({ action: 'StopInvocation' });
      assert.deepEqual(
        sends.map((e) => e.code ?? 'ok'),
        ['InternalError', 'ok'],
      );
      assert.equal((await result(c, invokeId)).invocationStatus, 'Terminated');
    } finally {
      emu.admin.setTimeScale(0);
    }
  });

  test('Output keeps 24 KB and counts the rest in Dropped', async () => {
    for (const size of [100, 24 * 1024, 30_000, 100_000]) {
      emu.admin.setCommandResult({ match: `chatty-${size}`, exitCode: 0, stdout: 'x'.repeat(size) });
      const r = await result(c, await run(c, instanceId, `echo chatty-${size}`));
      assert.equal(text(r.output).length, Math.min(size, 24 * 1024), `${size} bytes`);
      assert.equal(r.dropped, Math.max(0, size - 24 * 1024), `${size} bytes`);
    }
  });

  test('DescribeInvocations reports the overall state and, with IncludeOutput, each instance', async () => {
    emu.admin.setCommandResult({ match: 'listed', exitCode: 0, stdout: 'seen\n' });
    const id = await run(c, instanceId, 'echo listed');
    const body = await c.call('ecs', 'DescribeInvocations', {
      regionId: REGION,
      invokeId: id,
      includeOutput: true,
    });
    const inv = body.invocations?.invocation?.[0];
    assert.equal(inv?.invocationStatus, 'Success');
    assert.equal(text(inv?.commandContent), 'echo listed');
    const one = inv?.invokeInstances?.invokeInstance?.[0];
    assert.equal(one?.instanceId, instanceId);
    assert.equal(text(one?.output), 'seen\n');
  });

  test('the 24 KB command and 32 KB file limits are checked after Base64 encoding', async () => {
    const big = 'x'.repeat(19_000);
    const e = await refusal(run(c, instanceId, big));
    assert.equal(e.code, 'InvalidCmdContent.ExceedLimit');
    const f = await refusal(
      c.call('ecs', 'SendFile', {
        regionId: REGION,
        instanceId: [instanceId],
        name: 'big',
        targetDir: '/tmp',
        content: b64('y'.repeat(25_000)),
        contentType: 'Base64',
      }),
    );
    assert.equal(f.code, 'InvalidContent.ExceedLimit');
    const missing = await refusal(run(c, 'i-bp1doesnotexist000000', 'true'));
    assert.equal(missing.code, 'InvalidInstance.NotFound');
  });

  test('SendFile places a file, refuses to overwrite unless asked, and DescribeSendFileResults says so', async () => {
    const send = async (overwrite: boolean) => {
      const r = await c.call('ecs', 'SendFile', {
        regionId: REGION,
        instanceId: [instanceId],
        name: 'hello.txt',
        targetDir: '/opt/sent',
        content: b64('hello\n'),
        contentType: 'Base64',
        fileMode: '0640',
        overwrite,
      });
      assert.match(r.invokeId ?? '', /^f-/);
      const body = await c.call('ecs', 'DescribeSendFileResults', { regionId: REGION, invokeId: r.invokeId });
      return body.invocations?.invocation?.[0]?.invokeInstances?.invokeInstance?.[0];
    };
    assert.equal((await send(false))?.invocationStatus, 'Success');
    const again = await send(false);
    assert.equal(again?.invocationStatus, 'Failed');
    assert.equal(again?.errorCode, 'FileAlreadyExists');
    assert.equal((await send(true))?.invocationStatus, 'Success');
    const uploads = emu.admin
      .instanceRecords(instanceId)
      .uploads.filter((u) => u.path === '/opt/sent/hello.txt');
    assert.equal(uploads.length, 2);
    assert.deepEqual(
      { mode: uploads[0]?.mode, content: uploads[0]?.content, via: uploads[0]?.via },
      { mode: '0640', content: 'hello\n', via: 'send-file' },
    );
  });

  test('no agent on the marketplace image, none on a stopped instance: the status says so and commands abort', async () => {
    const market = (await launchFromImage(emu, 'm-bp1market00docker01')).instanceId;
    const status = async (id: string) =>
      (await c.call('ecs', 'DescribeCloudAssistantStatus', { regionId: REGION, instanceId: [id] }))
        .instanceCloudAssistantStatusSet?.instanceCloudAssistantStatus?.[0]?.cloudAssistantStatus;
    assert.equal(await status(instanceId), 'true');
    assert.equal(await status(market), 'false');
    const r = await result(c, await run(c, market, 'true'));
    assert.deepEqual([r.invocationStatus, r.errorCode], ['Aborted', 'ClientNotRunning']);
    await c.call('ecs', 'StopInstance', { instanceId: market });
    const stoppedOne = (await launchFromImage(emu, UBUNTU)).instanceId;
    await c.call('ecs', 'StopInstance', { instanceId: stoppedOne });
    assert.equal(await status(stoppedOne), 'false');
    const s = await result(c, await run(c, stoppedOne, 'true'));
    assert.deepEqual([s.invocationStatus, s.errorCode], ['Aborted', 'InstanceNotRunning']);
  });

  test('a stock-out shows in DescribeAvailableResource unless hidden, and fails the launch either way', async () => {
    const stock = async (zoneId: string) => {
      const body = await c.call('ecs', 'DescribeAvailableResource', {
        regionId: REGION,
        destinationResource: 'InstanceType',
        instanceType: 'ecs.g6.large',
        zoneId,
      });
      const offer =
        body.availableZones?.availableZone?.[0]?.availableResources?.availableResource?.[0]
          ?.supportedResources?.supportedResource?.[0];
      return `${offer?.status}/${offer?.statusCategory}`;
    };
    const shown = emu.admin.setNoStock({ instanceType: 'ecs.g6.large', zoneId: 'cn-hangzhou-g' });
    assert.equal(await stock('cn-hangzhou-g'), 'SoldOut/WithoutStock');
    assert.equal(await stock('cn-hangzhou-h'), 'Available/WithStock');
    const launch = await refusal(launchFromImage(emu, UBUNTU));
    assert.equal(launch.code, 'OperationDenied.NoStock');
    emu.admin.clearNoStock(shown);
    emu.admin.setNoStock({ instanceType: 'ecs.g6.large', zoneId: 'cn-hangzhou-g', hidden: true });
    assert.equal(await stock('cn-hangzhou-g'), 'Available/WithStock');
    assert.equal((await refusal(launchFromImage(emu, UBUNTU))).code, 'OperationDenied.NoStock');
    emu.admin.clearNoStock();
    assert.ok((await launchFromImage(emu, UBUNTU)).instanceId);
  });
});

describe('Cloud Assistant (sandbox instances)', () => {
  let emu: Emulator;
  let c: CloudClients;
  let instanceId: string;
  before(async () => {
    emu = await startEmulator({ instances: 'sandbox' });
    c = await rootClients(emu);
    instanceId = (await launchFromImage(emu, UBUNTU)).instanceId;
  });
  after(() => emu.stop());

  test('a command runs as a real process as root: its exit code, stdout and stderr', async () => {
    const r = await runCommand(
      { clients: c, region: REGION, instanceId, pollMs: 50 },
      'echo $((6 * 7)); id -un; echo oops >&2; exit 5',
      { timeoutSeconds: 60 },
    );
    assert.deepEqual(
      { state: r.state, exitCode: r.exitCode, output: r.output },
      { state: 'Failed', exitCode: 5, output: '42\nroot\noops\n' },
    );
  });

  test('a file larger than one SendFile arrives whole, in pieces joined on the instance', async () => {
    const content = Buffer.from(
      Array.from({ length: 70_000 }, (_, i) => String.fromCharCode(32 + (i % 90))).join(''),
    );
    const t = { clients: c, region: REGION, instanceId, pollMs: 50 };
    await sendFile(t, content, '/opt/big', 'blob.txt', '0600');
    const r = await runCommand(
      t,
      'stat -c %a /opt/big/blob.txt; sha256sum /opt/big/blob.txt; ls -A /opt/big',
      {
        timeoutSeconds: 60,
      },
    );
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update(content).digest('hex');
    assert.equal(r.output, `600\n${digest}  /opt/big/blob.txt\nblob.txt\n`);
    assert.ok(
      emu.admin.requestLog({ action: 'SendFile' }).length >= 3,
      'more than one SendFile: 70 KB does not fit 32 KB of Base64',
    );
  });
});
