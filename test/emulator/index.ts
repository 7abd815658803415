/**
 * A local emulator of the Alibaba Cloud ECS, VPC, RAM and STS RPC APIs, with fake instances over SSH.
 * See docs/emulator.md.
 */
import type { ChildProcess } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { EmulatorAdmin } from './admin.ts';
import { attachCloudAssistant, CloudAssistantHost } from './cloud-assistant.ts';
import { OssEmulator } from './oss/index.ts';
import { attachSandbox } from './sandbox/hooks.ts';
import { requireBaseRootfs } from './sandbox/rootfs.ts';
import type { RunResult, SandboxTarget } from './sandbox/sandbox.ts';
import { Sandbox } from './sandbox/sandbox.ts';
import { ApiServer } from './server.ts';
import { SshFleet } from './ssh.ts';
import { type Delays, type Quotas, World } from './state.ts';

export {
  ROOT_ACCESS_KEY_ID,
  ROOT_ACCESS_KEY_SECRET,
  ROOT_ACCOUNT_ID,
  SECOND_ACCESS_KEY_ID,
  SECOND_ACCESS_KEY_SECRET,
  SECOND_ACCOUNT_ID,
} from './accounts.ts';
export type {
  FaultSpec,
  LiveResources,
  LoggedRequest,
  PolicyRef,
  RamUserSpec,
  ResourceSummary,
  SeedAccountSpec,
  SeededAccount,
} from './admin.ts';
export { EmulatorAdmin } from './admin.ts';
export { AdminClient } from './admin-client.ts';
export { EXPORT_ROLE, OssEmulator } from './oss/index.ts';
export { SandboxUnavailableError } from './sandbox/rootfs.ts';
export type { RunResult, SandboxTarget } from './sandbox/sandbox.ts';
export type { CommandRule, InstanceRecords, Upload } from './ssh.ts';
export type { Delays, Quotas } from './state.ts';
export { DEFAULT_DELAYS, DEFAULT_QUOTAS } from './state.ts';

export interface EmulatorOptions {
  /** HTTP port for the API, proxy and admin API; 0 (default) picks a free port. */
  port?: number;
  /** Host to bind; default 127.0.0.1. */
  host?: string;
  /** Multiplies every transition delay; 0 (default) makes transitions instant. */
  timeScale?: number;
  /** SSH port of the fake instances; 0 (default) picks a free port. */
  sshPort?: number;
  /** Nominal transition delays in seconds (before the time scale). */
  delays?: Partial<Delays>;
  /** Default per-account, per-region quotas. */
  quotas?: Partial<Quotas>;
  /**
   * `recording` (default): instances are fake SSH servers that record commands and uploads.
   * `sandbox`: each instance is a real root filesystem (an overlay over the base rootfs that
   * `node scripts/setup.mjs sandbox` builds) where commands run as real processes, as root; images
   * capture it. Throws SandboxUnavailableError, with the reason, where that is impossible.
   */
  instances?: 'recording' | 'sandbox';
  /** Sandbox mode: where disks and image layers live; default a temporary directory removed at stop. */
  sandboxStateDir?: string;
}

/** Admin access to sandbox filesystems, for tests' assertions. */
export interface SandboxAdmin {
  /** Runs a shell command as root in a running instance, or in a throwaway instance of an image. */
  run(target: SandboxTarget, command: string): Promise<RunResult>;
  /** Starts a long-running command (a server) in a running instance; kill it with `kill()`. */
  spawn(instanceId: string, command: string): Promise<ChildProcess>;
  /** The instance's root directory as seen from the emulator's own mount namespace is empty: use run. */
  readonly stateDir: string;
}

export interface Emulator {
  /** `http://127.0.0.1:PORT`: also the value for HTTP_PROXY/HTTPS_PROXY. */
  url: string;
  /** `127.0.0.1:PORT`: the form `Config.endpoint` of the Node SDKs takes (with `protocol: 'http'`). */
  endpoint: string;
  port: number;
  /** Where fake instances accept SSH (on 127.0.0.1). */
  sshPort: number;
  admin: EmulatorAdmin;
  /** OSS buckets and objects, fault injection ("drop the connection after N bytes"). See docs/export.md. */
  oss: OssEmulator;
  /** Present in sandbox mode. */
  sandbox: SandboxAdmin | undefined;
  stop(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const world = new World({
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
    ...(options.delays ? { delays: options.delays } : {}),
    ...(options.quotas ? { quotas: options.quotas } : {}),
  });
  const ssh = new SshFleet(world);
  let sandbox: Sandbox | undefined;
  if (options.instances === 'sandbox') {
    sandbox = new Sandbox(world, requireBaseRootfs(), options.sandboxStateDir);
    attachSandbox(world, sandbox);
    ssh.sandbox = sandbox;
  }
  const assistant = new CloudAssistantHost(world, ssh, sandbox);
  attachCloudAssistant(world, assistant);
  const admin = new EmulatorAdmin(world, ssh, assistant);
  const api = new ApiServer(world, admin);
  const oss = new OssEmulator(world);
  api.oss = oss;
  const host = options.host ?? '127.0.0.1';
  const sshPort = await ssh.listen(options.sshPort ?? 0);
  await new Promise<void>((resolve, reject) => {
    api.http.once('error', reject);
    api.http.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (api.http.address() as AddressInfo).port;
  const hostForUrl = host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${hostForUrl}:${port}`;
  api.url = url;
  api.sshPort = sshPort;
  let stopped = false;
  return {
    url,
    endpoint: `${hostForUrl}:${port}`,
    port,
    sshPort,
    admin,
    oss,
    sandbox: sandbox && {
      run: (target, command) => (sandbox as Sandbox).run(target, command),
      spawn: (instanceId, command) => (sandbox as Sandbox).spawn(instanceId, command),
      stateDir: sandbox.layers.stateDir,
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      const closed = new Promise<void>((resolve) => api.http.close(() => resolve()));
      api.closeAll();
      await Promise.all([closed, ssh.close()]);
      await sandbox?.close();
    },
  };
}
