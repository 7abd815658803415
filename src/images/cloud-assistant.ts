/**
 * Running commands and placing files on an instance through its Cloud Assistant agent, with no
 * public address and no inbound rule: `RunCommand` and `DescribeInvocationResults` (the exit code and
 * the output, Base64, streamed as it grows), `SendFile` and `DescribeSendFileResults`,
 * `DescribeCloudAssistantStatus` to wait for the agent, `StopInvocation` on an interrupt.
 */
import { type CloudClients, waitFor } from '../cloud/index.ts';
import { InterruptedError, SindriError } from '../errors.ts';

/** CommandContent after Base64 (SDK RunCommandRequest.commandContent: "cannot exceed 24 KB"). */
export const COMMAND_LIMIT = 24 * 1024;
/** SendFile Content after Base64 (SDK SendFileRequest.content: 32 KB). */
export const FILE_LIMIT = 32 * 1024;
/** Raw bytes per SendFile call, so that their Base64 fits FILE_LIMIT. */
const FILE_CHUNK = (FILE_LIMIT / 4) * 3;

/** Where a command or a file goes: one instance of a region. */
export interface AssistantTarget {
  clients: CloudClients;
  region: string;
  instanceId: string;
  signal?: AbortSignal | undefined;
  /** First delay between polls (tests shorten it). */
  pollMs?: number | undefined;
}

/** Per-instance states that are final (API reference DescribeInvocationResults, InvocationStatus). */
const FINAL = new Set([
  'Success',
  'Failed',
  'Error',
  'Timeout',
  'Aborted',
  'Invalid',
  'Cancelled',
  'Terminated',
]);

/** What an agent error code means for the user, and what to do about it. */
const AGENT_HINTS: Record<string, string> = {
  ClientNotRunning:
    'the Cloud Assistant agent does not run on the instance: use a public image (they carry the agent) or install it in yours',
  ClientNotResponse:
    'the Cloud Assistant agent does not answer: check the instance console, then build again',
  ClientIsUpgrading: 'the Cloud Assistant agent was upgrading: build again',
  ClientNeedUpgrade: 'the Cloud Assistant agent is too old: use a newer image, or upgrade the agent in it',
  InstanceNotRunning: 'the instance was not running: packer stopped it or it failed to start',
  CommandNotApplicable: 'the image is not Linux: Cloud Assistant runs shell scripts only on Linux instances',
  DeliveryTimeout: 'the agent did not take the command in time: check the instance, then build again',
  SecurityGroupRuleDenied:
    'a security group rule blocks the agent: allow egress to the Cloud Assistant service (100.100.0.0/16)',
};

export function agentHint(errorCode: string): string | undefined {
  return AGENT_HINTS[errorCode];
}

export interface CommandResult {
  /** The per-instance InvocationStatus it ended in. */
  state: string;
  /** `null` unless the command ran to its end. */
  exitCode: number | null;
  output: string;
  /** Bytes Cloud Assistant dropped past its 24 KB of output. */
  dropped: number;
  errorCode: string;
  errorInfo: string;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  timeoutSeconds: number;
  /** Shown in the console (`Name`). */
  name?: string;
  /** Each new piece of output, as it arrives. */
  onOutput?: (text: string) => void;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The running instance named `name` (a build's is `sindri-<build ID>`). */
export async function findInstanceByName(
  clients: CloudClients,
  region: string,
  name: string,
): Promise<{ instanceId: string; status: string } | undefined> {
  const body = await clients.call('ecs', 'DescribeInstances', { regionId: region, instanceName: name });
  const found = (body.instances?.instance ?? []).filter((i) => i.instanceName === name && i.instanceId);
  const running = found.find((i) => i.status === 'Running') ?? found[0];
  return running ? { instanceId: running.instanceId as string, status: running.status ?? '' } : undefined;
}

/** Waits until the agent reports a heartbeat (`CloudAssistantStatus` "true", a string). */
export async function waitForAgent(t: AssistantTarget, deadlineMs: number): Promise<void> {
  try {
    await waitFor({
      poll: async () => {
        const body = await t.clients.call('ecs', 'DescribeCloudAssistantStatus', {
          regionId: t.region,
          instanceId: [t.instanceId],
        });
        return body.instanceCloudAssistantStatusSet?.instanceCloudAssistantStatus?.find(
          (s) => s.instanceId === t.instanceId,
        )?.cloudAssistantStatus;
      },
      isDone: (status) => status === 'true',
      deadlineMs,
      initialDelayMs: t.pollMs ?? 2000,
      maxDelayMs: 10_000,
      what: `the Cloud Assistant agent of ${t.instanceId}`,
      ...(t.signal ? { signal: t.signal } : {}),
    });
  } catch (err) {
    if (t.signal?.aborted)
      throw new InterruptedError('interrupted while waiting for the Cloud Assistant agent.');
    if (err instanceof SindriError && err.code === 'WaitTimeout')
      throw new SindriError(
        `the Cloud Assistant agent of ${t.instanceId} did not come up within ${Math.round(deadlineMs / 1000)} s.`,
        {
          code: 'CloudAssistantUnavailable',
          actions: [
            'use an image that carries the Cloud Assistant agent (Alibaba public images since December 2017 do)',
            'let the instance reach the Cloud Assistant service (egress to 100.100.0.0/16 must not be blocked)',
            'or raise build.ssh_timeout, which also bounds this wait',
          ],
        },
      );
    throw err;
  }
}

/** Runs a shell script as root; resolves with how it ended (never rejects for the script's own failure). */
export async function runCommand(
  t: AssistantTarget,
  script: string,
  opts: RunOptions,
): Promise<CommandResult> {
  const content = Buffer.from(script, 'utf8').toString('base64');
  if (content.length > COMMAND_LIMIT)
    throw new SindriError(
      `the command is ${content.length} bytes after Base64 encoding; Cloud Assistant takes ${COMMAND_LIMIT}.`,
      { code: 'CommandTooLarge', actions: ['send the script as a file (sendFile) and run that'] },
    );
  const started = Date.now();
  const run = await t.clients.call('ecs', 'RunCommand', {
    regionId: t.region,
    instanceId: [t.instanceId],
    type: 'RunShellScript',
    commandContent: content,
    contentEncoding: 'Base64',
    timeout: opts.timeoutSeconds,
    ...(opts.name ? { name: opts.name.slice(0, 128) } : {}),
  });
  const invokeId = run.invokeId;
  if (!invokeId) throw new SindriError('RunCommand returned no InvokeId.', { code: 'InvalidResponse' });
  let seen = 0;
  let delay = t.pollMs ?? 500;
  for (;;) {
    if (t.signal?.aborted) {
      await t.clients
        .call('ecs', 'StopInvocation', { regionId: t.region, invokeId, instanceId: [t.instanceId] })
        .catch(() => undefined);
      throw new InterruptedError(`interrupted; the command ${invokeId} was stopped.`);
    }
    const body = await t.clients.call('ecs', 'DescribeInvocationResults', {
      regionId: t.region,
      invokeId,
      instanceId: t.instanceId,
      contentEncoding: 'Base64',
    });
    const r = body.invocation?.invocationResults?.invocationResult?.find(
      (x) => x.instanceId === t.instanceId,
    );
    const output = Buffer.from(r?.output ?? '', 'base64').toString('utf8');
    if (output.length > seen) {
      opts.onOutput?.(output.slice(seen));
      seen = output.length;
    }
    const state = r?.invocationStatus ?? 'Pending';
    if (FINAL.has(state)) {
      const ran = state === 'Success' || state === 'Failed';
      return {
        state,
        exitCode: ran ? Number(r?.exitCode ?? 0) : null,
        output,
        dropped: Number(r?.dropped ?? 0),
        errorCode: r?.errorCode ?? '',
        errorInfo: r?.errorInfo ?? '',
        timedOut: state === 'Timeout',
        durationMs: Date.now() - started,
      };
    }
    await sleep(delay, t.signal);
    delay = Math.min(2000, Math.round(delay * 1.5));
  }
}

async function sendOne(t: AssistantTarget, content: Buffer, dir: string, name: string, mode: string) {
  const sent = await t.clients.call('ecs', 'SendFile', {
    regionId: t.region,
    instanceId: [t.instanceId],
    name,
    targetDir: dir,
    content: content.toString('base64'),
    contentType: 'Base64',
    fileMode: mode,
    overwrite: true,
    timeout: 60,
  });
  const invokeId = sent.invokeId;
  if (!invokeId) throw new SindriError('SendFile returned no InvokeId.', { code: 'InvalidResponse' });
  const result = await waitFor({
    poll: async () => {
      const body = await t.clients.call('ecs', 'DescribeSendFileResults', {
        regionId: t.region,
        invokeId,
        instanceId: t.instanceId,
      });
      return body.invocations?.invocation?.[0]?.invokeInstances?.invokeInstance?.find(
        (i) => i.instanceId === t.instanceId,
      );
    },
    isDone: (i) => i?.invocationStatus === 'Success',
    failed: (i) =>
      i && ['Failed', 'Error', 'Aborted', 'Invalid', 'Timeout'].includes(i.invocationStatus ?? '')
        ? `${i.errorCode || i.invocationStatus}${i.errorInfo ? `: ${i.errorInfo}` : ''}`
        : undefined,
    deadlineMs: 300_000,
    initialDelayMs: t.pollMs ?? 500,
    maxDelayMs: 3000,
    what: `${dir}/${name} to arrive on ${t.instanceId}`,
    ...(t.signal ? { signal: t.signal } : {}),
  }).catch((err: unknown) => {
    if (t.signal?.aborted) throw new InterruptedError('interrupted while sending a file.');
    throw err;
  });
  return result;
}

/**
 * Places `content` at `dir/name` (mode `mode`, owned by root). Content larger than one SendFile goes
 * in pieces, joined on the instance.
 */
export async function sendFile(
  t: AssistantTarget,
  content: Buffer,
  dir: string,
  name: string,
  mode = '0644',
): Promise<void> {
  if (content.length <= FILE_CHUNK) {
    await sendOne(t, content, dir, name, mode);
    return;
  }
  const parts: string[] = [];
  for (let offset = 0, n = 0; offset < content.length; offset += FILE_CHUNK, n++) {
    const part = `.${name}.part${String(n).padStart(5, '0')}`;
    await sendOne(t, content.subarray(offset, offset + FILE_CHUNK), dir, part, '0600');
    parts.push(part);
  }
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const joined = await runCommand(
    t,
    `set -e\ncd ${q(dir)}\ncat ${parts.map(q).join(' ')} > ${q(name)}\nrm -f ${parts.map(q).join(' ')}\nchmod ${mode} ${q(name)}\n`,
    { timeoutSeconds: 300, name: `sindri: join ${name}` },
  );
  if (joined.state !== 'Success')
    throw new SindriError(
      `joining the pieces of ${dir}/${name} failed: ${joined.output.trim() || joined.state}`,
      {
        code: 'SendFileFailed',
      },
    );
}
