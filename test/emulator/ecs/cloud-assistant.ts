/**
 * Cloud Assistant (ECS 2014-05-26): RunCommand, DescribeInvocations, DescribeInvocationResults,
 * StopInvocation, SendFile, DescribeSendFileResults and DescribeCloudAssistantStatus, on one
 * instance or many. The agent's work is `cloud-assistant.ts`'s.
 */
import {
  cloudAssistantOf,
  type Invocation,
  type InvocationState,
  type SentFile,
} from '../cloud-assistant.ts';
import { type CallContext, type Handler, requireRegion } from '../context.ts';
import { ApiError, invalidParameter } from '../errors.ts';
import { paginate } from '../params.ts';
import { type Instance, isoSeconds, randomId } from '../state.ts';

const COMMAND_TYPES = ['RunShellScript', 'RunBatScript', 'RunPowerShellScript'];
/** CommandContent, Base64-encoded, at most 24 KB (SDK RunCommandRequest.commandContent). */
const COMMAND_LIMIT = 24 * 1024;
/** SendFile Content, Base64-encoded, at most 32 KB (SDK SendFileRequest.content). */
const FILE_LIMIT = 32 * 1024;

const isBase64 = (encoding: string | undefined) => encoding?.toLowerCase() === 'base64';

/** The instances of `InstanceId.N` (1 to `max`), each the caller's in the region. */
function instancesOf(ctx: CallContext, regionId: string, max: number): Instance[] {
  const ids = ctx.p.repeated('InstanceId');
  if (ids.length === 0)
    throw new ApiError(
      'MissingParameter',
      'The input parameter "InstanceId" that is mandatory for processing this request is not supplied.',
    );
  if (ids.length > max) throw invalidParameter('InstanceId', `At most ${max} instances can be given.`);
  return ids.map((id) => {
    const instance = ctx.world.get('instance', regionId, id);
    if (!instance || instance.accountId !== ctx.accountId)
      throw new ApiError('InvalidInstance.NotFound', `The specified instance ${id} does not exist.`, 404);
    return instance;
  });
}

function decoded(text: string, encoding: string | undefined, what: string): string {
  if (!isBase64(encoding)) return text;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text))
    throw new ApiError(`Invalid${what}.Malformed`, `The specified ${what} is not valid Base64.`);
  return Buffer.from(text, 'base64').toString('utf8');
}

export const RunCommand: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const { p, world } = ctx;
  const type = p.req('Type');
  if (!COMMAND_TYPES.includes(type))
    throw new ApiError('InvalidCommandType.NotSupported', `The specified Type "${type}" is not supported.`);
  const raw = p.req('CommandContent');
  const encoding = p.str('ContentEncoding');
  const base64Size = isBase64(encoding) ? raw.length : Buffer.from(raw, 'utf8').toString('base64').length;
  if (base64Size > COMMAND_LIMIT)
    throw new ApiError(
      'InvalidCmdContent.ExceedLimit',
      `The command content is ${base64Size} bytes after Base64 encoding; at most ${COMMAND_LIMIT} are allowed.`,
    );
  const content = decoded(raw, encoding, 'CmdContent');
  const targets = instancesOf(ctx, region.regionId, 100);
  const timeout = p.int('Timeout', 60);
  if (timeout < 1 || timeout > 86_400)
    throw invalidParameter('Timeout', 'Timeout must be between 1 and 86400 seconds.');
  const host = cloudAssistantOf(world);
  const invokeId = `t-${region.idPrefix.slice(0, 2)}${randomId(14)}`;
  const commandId = `c-${region.idPrefix.slice(0, 2)}${randomId(14)}`;
  const now = world.now();
  for (const instance of targets) {
    const instanceId = instance.id;
    const inv: Invocation = {
      invokeId,
      commandId,
      regionId: region.regionId,
      accountId: ctx.accountId,
      instanceId,
      name: p.str('Name') ?? '',
      type,
      content,
      timeoutSeconds: timeout,
      workingDir: p.str('WorkingDir') ?? (type === 'RunShellScript' ? '/root' : 'C:\\Windows\\system32'),
      username: p.str('Username') ?? (type === 'RunShellScript' ? 'root' : 'System'),
      createdAt: now,
      state: 'Pending',
      errorCode: '',
      errorInfo: '',
      output: Buffer.alloc(0),
      dropped: 0,
    };
    host.start(inv, instance);
  }
  return { CommandId: commandId, InvokeId: invokeId };
};

function invocationsFor(ctx: CallContext, regionId: string): Invocation[] {
  const host = cloudAssistantOf(ctx.world);
  const invokeId = ctx.p.str('InvokeId');
  const instanceId = ctx.p.str('InstanceId');
  const commandId = ctx.p.str('CommandId');
  return [...host.invocations.values()]
    .filter((i) => i.regionId === regionId && i.accountId === ctx.accountId)
    .filter((i) => invokeId === undefined || i.invokeId === invokeId)
    .filter((i) => instanceId === undefined || i.instanceId === instanceId)
    .filter((i) => commandId === undefined || i.commandId === commandId)
    .map((i) => host.settle(i));
}

/** `InvokeRecordStatus` of one instance's execution. */
function recordStatus(state: InvocationState): string {
  if (state === 'Pending' || state === 'Running') return 'Running';
  if (state === 'Success') return 'Finished';
  if (state === 'Stopping') return 'Stopping';
  if (state === 'Cancelled' || state === 'Terminated') return 'Stopped';
  return 'Failed';
}

/** The overall `InvocationStatus` of an invocation from its instances' states. */
function overall(states: InvocationState[]): string {
  if (states.some((s) => s === 'Pending')) return 'Pending';
  if (states.some((s) => s === 'Running')) return 'Running';
  if (states.some((s) => s === 'Stopping')) return 'Stopping';
  const stopped = (s: InvocationState) => s === 'Cancelled' || s === 'Terminated';
  if (states.every(stopped)) return 'Stopped';
  const success = states.filter((s) => s === 'Success').length;
  if (success > 0 && states.every((s) => s === 'Success' || stopped(s))) return 'Success';
  if (success > 0) return 'PartialFailed';
  return 'Failed';
}

const time = (ms: number | undefined) => (ms === undefined ? '' : isoSeconds(ms));
const outputOf = (i: Invocation, encoding: string | undefined) =>
  isBase64(encoding ?? 'Base64') ? i.output.toString('base64') : i.output.toString('utf8');

function resultFields(i: Invocation, encoding: string | undefined) {
  return {
    InstanceId: i.instanceId,
    InvocationStatus: i.state,
    ExitCode: i.exitCode ?? 0,
    Output: outputOf(i, encoding),
    Dropped: i.dropped,
    ErrorCode: i.errorCode,
    ErrorInfo: i.errorInfo,
    StartTime: time(i.startedAt),
    StopTime: i.state === 'Terminated' || i.state === 'Cancelled' ? time(i.finishedAt) : '',
    Repeats: i.startedAt === undefined ? 0 : 1,
    Username: i.username,
  };
}

export const DescribeInvocationResults: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const status = ctx.p.str('InvokeRecordStatus');
  const encoding = ctx.p.str('ContentEncoding');
  const all = invocationsFor(ctx, region.regionId).filter(
    (i) => status === undefined || recordStatus(i.state) === status,
  );
  const page = paginate(all, ctx.p, { nextToken: true, defaultSize: 10, max: 50 });
  return {
    Invocation: {
      ...page.fields,
      InvocationResults: {
        InvocationResult: page.items.map((i) => ({
          CommandId: i.commandId,
          InvokeId: i.invokeId,
          ...resultFields(i, encoding),
          InvokeRecordStatus: recordStatus(i.state),
          FinishedTime: time(i.finishedAt),
        })),
      },
    },
  };
};

export const DescribeInvocations: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const encoding = ctx.p.str('ContentEncoding');
  const includeOutput = ctx.p.bool('IncludeOutput');
  const byInvoke = new Map<string, Invocation[]>();
  for (const i of invocationsFor(ctx, region.regionId))
    byInvoke.set(i.invokeId, [...(byInvoke.get(i.invokeId) ?? []), i]);
  const groups = [...byInvoke.values()];
  const page = paginate(groups, ctx.p, { nextToken: true, defaultSize: 10, max: 50 });
  return {
    ...page.fields,
    Invocations: {
      Invocation: page.items.map((group) => {
        const first = group[0] as Invocation;
        const status = overall(group.map((i) => i.state));
        return {
          InvokeId: first.invokeId,
          CommandId: first.commandId,
          CommandName: first.name,
          CommandType: first.type,
          CommandContent: isBase64(encoding ?? 'Base64')
            ? Buffer.from(first.content, 'utf8').toString('base64')
            : first.content,
          Timeout: first.timeoutSeconds,
          WorkingDir: first.workingDir,
          Username: first.username,
          RepeatMode: 'Once',
          CreationTime: time(first.createdAt),
          InvocationStatus: status,
          InvokeStatus: status === 'Pending' ? 'Running' : status === 'Success' ? 'Finished' : status,
          InvokeInstances: {
            InvokeInstance: group.map((i) => ({
              ...resultFields(i, encoding),
              ...(includeOutput ? {} : { Output: '' }),
              InstanceInvokeStatus: recordStatus(i.state),
              CreationTime: time(i.createdAt),
              FinishTime: time(i.finishedAt),
              UpdateTime: time(i.finishedAt ?? i.startedAt ?? i.createdAt),
            })),
          },
        };
      }),
    },
  };
};

export const StopInvocation: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const invokeId = ctx.p.req('InvokeId');
  const only = ctx.p.repeated('InstanceId');
  const host = cloudAssistantOf(ctx.world);
  const matching = [...host.invocations.values()].filter(
    (i) => i.regionId === region.regionId && i.accountId === ctx.accountId && i.invokeId === invokeId,
  );
  if (matching.length === 0)
    throw new ApiError(
      'InvalidInvokeId.NotFound',
      `The specified InvokeId "${invokeId}" does not exist.`,
      404,
    );
  for (const i of matching) if (only.length === 0 || only.includes(i.instanceId)) host.stop(i);
  return {};
};

export const SendFile: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const { p, world } = ctx;
  const name = p.req('Name');
  const targetDir = p.req('TargetDir');
  if (name.length > 255 || name.includes('/')) throw invalidParameter('Name', 'The file name is not valid.');
  if (!targetDir.startsWith('/') || targetDir.length > 255)
    throw invalidParameter('TargetDir', 'TargetDir must be an absolute path of at most 255 characters.');
  const raw = p.req('Content');
  const contentType = p.str('ContentType') ?? 'PlainText';
  const base64Size = isBase64(contentType) ? raw.length : Buffer.from(raw, 'utf8').toString('base64').length;
  if (base64Size > FILE_LIMIT)
    throw new ApiError(
      'InvalidContent.ExceedLimit',
      `The file content is ${base64Size} bytes after Base64 encoding; at most ${FILE_LIMIT} are allowed.`,
    );
  if (isBase64(contentType) && !/^[A-Za-z0-9+/]*={0,2}$/.test(raw))
    throw new ApiError('InvalidContent.Malformed', 'The specified Content is not valid Base64.');
  const content = isBase64(contentType) ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  const targets = instancesOf(ctx, region.regionId, 50);
  const mode = p.str('FileMode') ?? '0644';
  if (!/^[0-7]{3,4}$/.test(mode))
    throw invalidParameter('FileMode', 'FileMode must be an octal mode such as 0644.');
  const host = cloudAssistantOf(world);
  const invokeId = `f-${region.idPrefix.slice(0, 2)}${randomId(14)}`;
  for (const instance of targets) {
    const instanceId = instance.id;
    const file: SentFile = {
      invokeId,
      regionId: region.regionId,
      accountId: ctx.accountId,
      instanceId,
      name,
      targetDir,
      content,
      contentType,
      fileMode: mode,
      fileOwner: p.str('FileOwner') ?? 'root',
      fileGroup: p.str('FileGroup') ?? 'root',
      overwrite: p.bool('Overwrite'),
      createdAt: world.now(),
      state: 'Pending',
      errorCode: '',
      errorInfo: '',
    };
    void host.deliver(file, instance);
  }
  return { InvokeId: invokeId };
};

export const DescribeSendFileResults: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const host = cloudAssistantOf(ctx.world);
  const invokeId = ctx.p.str('InvokeId');
  const instanceId = ctx.p.str('InstanceId');
  const byInvoke = new Map<string, SentFile[]>();
  for (const f of host.files.values()) {
    if (f.regionId !== region.regionId || f.accountId !== ctx.accountId) continue;
    if (invokeId !== undefined && f.invokeId !== invokeId) continue;
    if (instanceId !== undefined && f.instanceId !== instanceId) continue;
    byInvoke.set(f.invokeId, [...(byInvoke.get(f.invokeId) ?? []), f]);
  }
  const page = paginate([...byInvoke.values()], ctx.p, { nextToken: true, defaultSize: 10, max: 50 });
  return {
    ...page.fields,
    Invocations: {
      Invocation: page.items.map((group) => {
        const first = group[0] as SentFile;
        const states = group.map((f) => f.state);
        return {
          InvokeId: first.invokeId,
          Name: first.name,
          TargetDir: first.targetDir,
          FileMode: first.fileMode,
          FileOwner: first.fileOwner,
          FileGroup: first.fileGroup,
          Overwrite: String(first.overwrite),
          ContentType: first.contentType,
          CreationTime: time(first.createdAt),
          VmCount: group.length,
          InvocationStatus: states.some((s) => s === 'Pending' || s === 'Running')
            ? 'Running'
            : states.every((s) => s === 'Success')
              ? 'Success'
              : states.some((s) => s === 'Success')
                ? 'PartialFailed'
                : 'Failed',
          InvokeInstances: {
            InvokeInstance: group.map((f) => ({
              InstanceId: f.instanceId,
              InvocationStatus: f.state,
              ErrorCode: f.errorCode,
              ErrorInfo: f.errorInfo,
              CreationTime: time(f.createdAt),
              StartTime: time(f.createdAt),
              FinishTime: time(f.finishedAt),
              UpdateTime: time(f.finishedAt ?? f.createdAt),
            })),
          },
        };
      }),
    },
  };
};

export const DescribeCloudAssistantStatus: Handler = (ctx) => {
  const region = requireRegion(ctx);
  const host = cloudAssistantOf(ctx.world);
  const ids = ctx.p.repeated('InstanceId');
  const osType = ctx.p.str('OSType');
  const instances = ctx.world
    .list('instance', region.regionId, ctx.accountId)
    .filter((i) => ids.length === 0 || ids.includes(i.id))
    .filter((i) => osType === undefined || host.osType(i).toLowerCase() === osType.toLowerCase());
  const page = paginate(instances, ctx.p, { nextToken: true, defaultSize: 10, max: 50 });
  return {
    ...page.fields,
    InstanceCloudAssistantStatusSet: {
      InstanceCloudAssistantStatus: page.items.map((i) => {
        const invocations = [...host.invocations.values()].filter((x) => x.instanceId === i.id);
        const online = host.agentOnline(i);
        return {
          InstanceId: i.id,
          CloudAssistantStatus: String(online),
          CloudAssistantVersion: host.hasAgent(i) ? '2.2.3.398' : '',
          ActiveTaskCount: invocations.filter((x) => !host.isFinal(host.settle(x))).length,
          InvocationCount: invocations.length,
          LastHeartbeatTime: online ? isoSeconds(ctx.world.now()) : '',
          LastInvokedTime: time(invocations.at(-1)?.createdAt),
          OSType: host.osType(i),
          SupportSessionManager: online,
        };
      }),
    },
  };
};
