/**
 * The Cloud Assistant agent of the fake instances: invocations of RunCommand and SendFile, with the
 * states the API reports. In recording mode a command's result comes from the same rules as an SSH
 * command's (`setCommandResult`); in sandbox mode it runs as a real process in the instance. See
 * docs/emulator.md, "Cloud Assistant".
 */
import type { ChildProcess } from 'node:child_process';
import { killGroup } from './sandbox/namespaces.ts';
import type { Sandbox } from './sandbox/sandbox.ts';
import type { SshFleet } from './ssh.ts';
import type { Image, Instance, World } from './state.ts';

/** What Output keeps of a command's output; the rest is counted in Dropped. */
export const OUTPUT_LIMIT = 24 * 1024;

/** Per-instance states (DescribeInvocations / DescribeInvocationResults `InvocationStatus`). */
export type InvocationState =
  | 'Pending'
  | 'Running'
  | 'Success'
  | 'Failed'
  | 'Error'
  | 'Timeout'
  | 'Aborted'
  | 'Invalid'
  | 'Cancelled'
  | 'Stopping'
  | 'Terminated';

const FINAL = new Set<InvocationState>([
  'Success',
  'Failed',
  'Error',
  'Timeout',
  'Aborted',
  'Invalid',
  'Cancelled',
  'Terminated',
]);

export interface Invocation {
  invokeId: string;
  commandId: string;
  regionId: string;
  accountId: string;
  instanceId: string;
  name: string;
  type: string;
  /** The command as run (decoded). */
  content: string;
  timeoutSeconds: number;
  workingDir: string;
  username: string;
  createdAt: number;
  startedAt?: number;
  finishedAt?: number;
  state: InvocationState;
  exitCode?: number;
  errorCode: string;
  errorInfo: string;
  output: Buffer;
  dropped: number;
  /** Recording mode: the outcome is known at once and reached at these times. */
  planned?: { runningAt: number; doneAt: number; final: InvocationState; exitCode: number; text: string };
  process?: ChildProcess;
}

export interface SentFile {
  invokeId: string;
  regionId: string;
  accountId: string;
  instanceId: string;
  name: string;
  targetDir: string;
  content: Buffer;
  contentType: string;
  fileMode: string;
  fileOwner: string;
  fileGroup: string;
  overwrite: boolean;
  createdAt: number;
  finishedAt?: number;
  state: 'Pending' | 'Running' | 'Success' | 'Failed';
  errorCode: string;
  errorInfo: string;
}

const hosts = new WeakMap<World, CloudAssistantHost>();

export function attachCloudAssistant(world: World, host: CloudAssistantHost): void {
  hosts.set(world, host);
}

export function cloudAssistantOf(world: World): CloudAssistantHost {
  const host = hosts.get(world);
  if (!host) throw new Error('the emulator has no Cloud Assistant host');
  return host;
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export class CloudAssistantHost {
  readonly invocations = new Map<string, Invocation>();
  readonly files = new Map<string, SentFile>();

  readonly world: World;
  readonly ssh: SshFleet;
  readonly sandbox: Sandbox | undefined;

  constructor(world: World, ssh: SshFleet, sandbox?: Sandbox) {
    this.world = world;
    this.ssh = ssh;
    this.sandbox = sandbox;
  }

  reset(): void {
    for (const inv of this.invocations.values()) if (inv.process) killGroup(inv.process);
    this.invocations.clear();
    this.files.clear();
  }

  /** The image an instance was made from, back to the public image at the root of its chain. */
  private rootImage(instance: Instance): Image | undefined {
    let image = this.world.list('image', instance.regionId).find((i) => i.id === instance.imageId);
    for (let hops = 0; image && hops < 50; hops++) {
      const next = image.copiedFrom || image.sourceImageId;
      if (!next) break;
      const parent = this.world.list('image').find((i) => i.id === next);
      if (!parent) break;
      image = parent;
    }
    return image;
  }

  /** Public images carry the agent; the marketplace image does not (nor what is made from it). */
  hasAgent(instance: Instance): boolean {
    return this.rootImage(instance)?.ownerAlias !== 'marketplace';
  }

  /** The agent answers while the instance runs (it starts with the instance). */
  agentOnline(instance: Instance): boolean {
    return this.hasAgent(instance) && this.world.status(instance) === 'Running';
  }

  osType(instance: Instance): string {
    return this.rootImage(instance)?.osType === 'windows' ? 'Windows' : 'Linux';
  }

  /** Starts an invocation on one instance: at once in sandbox mode, on the emulated clock otherwise. */
  start(inv: Invocation, instance: Instance | undefined): void {
    this.invocations.set(`${inv.invokeId}|${inv.instanceId}`, inv);
    const refuse = (code: string, info: string, state: InvocationState = 'Aborted') => {
      inv.state = state;
      inv.errorCode = code;
      inv.errorInfo = info;
      inv.finishedAt = this.world.now();
    };
    const refusal: [string, string, InvocationState?] | undefined = !instance
      ? ['InstanceNotExists', 'the specified instance does not exists']
      : this.world.status(instance) !== 'Running'
        ? ['InstanceNotRunning', 'the instance is not running when create task']
        : !this.hasAgent(instance)
          ? ['ClientNotRunning', 'the aliyun service is not running on the instance']
          : (this.osType(instance) === 'Windows') !== (inv.type !== 'RunShellScript')
            ? [
                'CommandNotApplicable',
                'the command type is not applicable to the operating system',
                'Invalid',
              ]
            : undefined;
    if (refusal) {
      refuse(...refusal);
      return;
    }
    if (this.sandbox) {
      void this.runInSandbox(inv);
      return;
    }
    const result = this.ssh.recordedRun(inv.instanceId, inv.content);
    const startAt = inv.createdAt + this.world.delayMs('commandStart');
    const runMs = result.seconds * 1000 * this.world.timeScale;
    const timedOut = result.seconds > inv.timeoutSeconds;
    inv.planned = {
      runningAt: startAt,
      doneAt: startAt + (timedOut ? inv.timeoutSeconds * 1000 * this.world.timeScale : runMs),
      final: timedOut ? 'Timeout' : result.exitCode === 0 ? 'Success' : 'Failed',
      exitCode: timedOut ? -1 : result.exitCode,
      text: `${result.stdout}${result.stderr}`,
    };
  }

  private async runInSandbox(inv: Invocation): Promise<void> {
    const sandbox = this.sandbox as Sandbox;
    const command = `cd ${shellQuote(inv.workingDir)} 2>/dev/null || cd /; ${inv.content}`;
    let child: ChildProcess;
    try {
      child = await sandbox.spawn(inv.instanceId, command);
    } catch (err) {
      inv.state = 'Error';
      inv.errorCode = 'ExecutionException';
      inv.errorInfo = (err as Error).message;
      inv.finishedAt = this.world.now();
      return;
    }
    child.stdin?.end();
    inv.process = child;
    inv.state = 'Running';
    inv.startedAt = this.world.now();
    const take = (d: Buffer) => this.append(inv, d);
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    const timer = setTimeout(() => {
      inv.state = 'Timeout';
      killGroup(child);
    }, inv.timeoutSeconds * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      inv.process = undefined;
      inv.finishedAt = this.world.now();
      inv.exitCode = code ?? -1;
      if (inv.state === 'Timeout') {
        inv.errorCode = 'ExecutionTimeout';
        inv.errorInfo = 'the command execution has been timeout';
      } else if (inv.state === 'Stopping') {
        inv.state = 'Terminated';
      } else if (code === 0) {
        inv.state = 'Success';
      } else {
        inv.state = 'Failed';
        inv.errorCode = 'ExitCodeNonzero';
        inv.errorInfo = 'the command execution exit code is not zero';
      }
    });
  }

  private append(inv: Invocation, data: Buffer): void {
    const room = OUTPUT_LIMIT - inv.output.length;
    if (room > 0) inv.output = Buffer.concat([inv.output, data.subarray(0, room)]);
    inv.dropped += Math.max(0, data.length - Math.max(room, 0));
  }

  /** Brings a recording-mode invocation up to the emulated clock. */
  settle(inv: Invocation): Invocation {
    const plan = inv.planned;
    if (!plan || FINAL.has(inv.state)) return inv;
    const now = this.world.now();
    if (inv.state === 'Stopping') {
      inv.state = 'Terminated';
      inv.finishedAt = now;
      return inv;
    }
    if (now >= plan.runningAt && inv.state === 'Pending') {
      inv.state = 'Running';
      inv.startedAt = plan.runningAt;
    }
    if (now >= plan.doneAt) {
      inv.state = plan.final;
      inv.exitCode = plan.exitCode;
      inv.finishedAt = plan.doneAt;
      inv.output = Buffer.alloc(0);
      inv.dropped = 0;
      this.append(inv, Buffer.from(plan.text, 'utf8'));
      if (plan.final === 'Failed') {
        inv.errorCode = 'ExitCodeNonzero';
        inv.errorInfo = 'the command execution exit code is not zero';
      } else if (plan.final === 'Timeout') {
        inv.errorCode = 'ExecutionTimeout';
        inv.errorInfo = 'the command execution has been timeout';
      }
    }
    return inv;
  }

  isFinal(inv: Invocation): boolean {
    return FINAL.has(inv.state);
  }

  /** StopInvocation: a pending invocation is cancelled, a running one terminated. */
  stop(inv: Invocation): void {
    this.settle(inv);
    if (FINAL.has(inv.state)) return;
    if (inv.state === 'Pending') {
      inv.state = 'Cancelled';
      inv.finishedAt = this.world.now();
      return;
    }
    inv.state = 'Stopping';
    if (inv.process) killGroup(inv.process);
    else {
      inv.state = 'Terminated';
      inv.finishedAt = this.world.now();
    }
  }

  /** Places a sent file on the instance: its filesystem in sandbox mode, the recorded uploads otherwise. */
  async deliver(file: SentFile, instance: Instance | undefined): Promise<void> {
    this.files.set(`${file.invokeId}|${file.instanceId}`, file);
    const fail = (code: string, info: string) => {
      file.state = 'Failed';
      file.errorCode = code;
      file.errorInfo = info;
      file.finishedAt = this.world.now();
    };
    if (!instance) return fail('InstanceNotExists', 'the specified instance does not exists');
    if (this.world.status(instance) !== 'Running')
      return fail('InstanceNotRunning', 'the instance is not running when create task');
    if (!this.hasAgent(instance))
      return fail('ClientNotRunning', 'the aliyun service is not running on the instance');
    const path = `${file.targetDir.replace(/\/+$/, '')}/${file.name}`;
    file.state = 'Running';
    if (!this.sandbox) {
      if (!file.overwrite && this.ssh.hasFile(file.instanceId, path))
        return fail('FileAlreadyExists', 'the file already exists');
      this.ssh.saveUpload(
        file.instanceId,
        path,
        Number.parseInt(file.fileMode, 8),
        file.content,
        'send-file',
      );
      file.state = 'Success';
      file.finishedAt = this.world.now();
      return;
    }
    const q = shellQuote;
    const script = [
      `mkdir -p ${q(file.targetDir)}`,
      file.overwrite ? '' : `if [ -e ${q(path)} ]; then echo exists; exit 17; fi`,
      `cat > ${q(path)}`,
      `chmod ${q(file.fileMode)} ${q(path)}`,
      `chown ${q(`${file.fileOwner}:${file.fileGroup}`)} ${q(path)}`,
    ]
      .filter(Boolean)
      .join(' && ');
    try {
      const child = await this.sandbox.spawn(file.instanceId, script);
      child.stdin?.end(file.content);
      const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
      if (code === 17) return fail('FileAlreadyExists', 'the file already exists');
      if (code !== 0) return fail('FileWriteFailed', `writing ${path} failed (${code})`);
      file.state = 'Success';
      file.finishedAt = this.world.now();
    } catch (err) {
      fail('ClientNotResponse', (err as Error).message);
    }
  }
}
