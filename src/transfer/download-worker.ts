/**
 * A download in a child process of its own. The CLI process holds the cloud SDKs (some 60 MiB of
 * code); the transfer runs where only the OSS client is loaded, so its memory stays small and bounded
 * whatever the size of the object. The parent talks to it over the IPC channel; credentials arrive in
 * the environment, never on the command line. Temporary credentials are renewed by the parent, which
 * holds the credential chain: the child asks for them over IPC when ali-oss wants fresh ones.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CloudError } from '../cloud/errors.ts';
import { SindriError } from '../errors.ts';
import type { Renewable } from './credential-renewal.ts';
import type { DownloadResult, TransferProgress } from './download.ts';
import type { ObjectInfo, OssCredentials } from './oss-client.ts';

export interface WorkerJob {
  region: string;
  bucket: string;
  key: string;
  dest: string;
  info: ObjectInfo;
  force?: boolean;
  retry?: Record<string, number>;
  /** The parent renews temporary credentials (the child asks with `credentials?`). */
  renewable?: boolean;
  /** How often ali-oss asks for renewed credentials (default 60 s). */
  refreshIntervalMs?: number;
}

type WorkerMessage =
  | { type: 'progress'; progress: TransferProgress }
  | { type: 'retry'; event: { attempt: number; offset: number; delayMs: number; reason: string } }
  | { type: 'credentials?'; id: number }
  | { type: 'done'; result: DownloadResult }
  | { type: 'error'; error: SerializedError };

type ParentMessage =
  | { type: 'job'; job: WorkerJob }
  | { type: 'credentials'; id: number; credentials: OssCredentials }
  | { type: 'credentials-error'; id: number; error: SerializedError };

interface SerializedError {
  kind: 'cloud' | 'sindri' | 'other';
  message: string;
  code?: string;
  exitCode?: number;
  actions?: string[];
  requestId?: string;
  statusCode?: number;
}

const CRED_VARS = {
  accessKeyId: 'SINDRI_TRANSFER_ACCESS_KEY_ID',
  accessKeySecret: 'SINDRI_TRANSFER_ACCESS_KEY_SECRET',
  securityToken: 'SINDRI_TRANSFER_SECURITY_TOKEN',
} as const;

function serialize(err: unknown): SerializedError {
  if (err instanceof CloudError) {
    return {
      kind: 'cloud',
      message: err.message,
      code: err.code,
      ...(err.requestId ? { requestId: err.requestId } : {}),
      ...(err.statusCode ? { statusCode: err.statusCode } : {}),
    };
  }
  if (err instanceof SindriError) {
    return {
      kind: 'sindri',
      message: err.message,
      code: err.code,
      exitCode: err.exitCode,
      actions: [...err.actions],
    };
  }
  return { kind: 'other', message: err instanceof Error ? err.message : String(err) };
}

function revive(e: SerializedError): Error {
  if (e.kind === 'cloud') {
    return new CloudError({
      code: e.code ?? 'Unknown',
      message: e.message,
      product: 'oss',
      ...(e.requestId ? { requestId: e.requestId } : {}),
      ...(e.statusCode ? { statusCode: e.statusCode } : {}),
    });
  }
  if (e.kind === 'sindri') {
    return new SindriError(e.message, {
      ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}),
      ...(e.code ? { code: e.code } : {}),
      ...(e.actions ? { actions: e.actions } : {}),
    });
  }
  return new Error(e.message);
}

/** Runs one download in a child process; resolves with its result, rejects with its error. */
export function downloadInWorker(opts: {
  job: WorkerJob;
  credentials: { accessKeyId: string; accessKeySecret: string; securityToken?: string | undefined };
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Temporary credentials only: what the child signs with once the first ones near expiry. */
  renewCredentials?: () => Promise<Renewable>;
  onProgress?: (p: TransferProgress) => void;
  onRetry?: (e: { attempt: number; offset: number; delayMs: number; reason: string }) => void;
}): Promise<DownloadResult & { maxRssBytes: number }> {
  const entry = new URL(
    `./download-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`,
    import.meta.url,
  );
  const env: NodeJS.ProcessEnv = {
    ...opts.env,
    [CRED_VARS.accessKeyId]: opts.credentials.accessKeyId,
    [CRED_VARS.accessKeySecret]: opts.credentials.accessKeySecret,
    ...(opts.credentials.securityToken ? { [CRED_VARS.securityToken]: opts.credentials.securityToken } : {}),
  };
  const child = fork(fileURLToPath(entry), ['--sindri-download-worker'], {
    env,
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    let maxRssBytes = 0;
    const onAbort = () => child.kill('SIGINT');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('message', (raw) => {
      const m = raw as WorkerMessage & { maxRssBytes?: number };
      if (m.maxRssBytes) maxRssBytes = m.maxRssBytes;
      if (m.type === 'progress') opts.onProgress?.(m.progress);
      else if (m.type === 'retry') opts.onRetry?.(m.event);
      else if (m.type === 'credentials?') void answerCredentials(m.id);
      else if (m.type === 'done') {
        settled = true;
        resolve({ ...m.result, maxRssBytes });
      } else if (m.type === 'error') {
        settled = true;
        reject(revive(m.error));
      }
    });
    child.on('exit', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (!settled) reject(new Error(`the download process stopped (${sig ?? `exit ${code}`})`));
    });
    const answerCredentials = async (id: number) => {
      let reply: ParentMessage;
      try {
        const c = await (opts.renewCredentials?.() ?? Promise.resolve(opts.credentials));
        reply = {
          type: 'credentials',
          id,
          credentials: {
            accessKeyId: c.accessKeyId,
            accessKeySecret: c.accessKeySecret,
            ...(c.securityToken ? { securityToken: c.securityToken } : {}),
          },
        };
      } catch (err) {
        reply = { type: 'credentials-error', id, error: serialize(err) };
      }
      if (child.connected) child.send(reply);
    };
    const job: WorkerJob = { ...opts.job, ...(opts.renewCredentials ? { renewable: true } : {}) };
    child.send({ type: 'job', job } satisfies ParentMessage);
  });
}

/** The child's side of a renewal: ask the parent, wait for its answer. */
function credentialsFromParent(): () => Promise<OssCredentials> {
  let seq = 0;
  const waiting = new Map<number, { resolve: (c: OssCredentials) => void; reject: (e: Error) => void }>();
  process.on('message', (raw) => {
    const m = raw as ParentMessage;
    if (m.type !== 'credentials' && m.type !== 'credentials-error') return;
    const w = waiting.get(m.id);
    waiting.delete(m.id);
    if (m.type === 'credentials') w?.resolve(m.credentials);
    else w?.reject(revive(m.error));
  });
  return () =>
    new Promise((resolve, reject) => {
      const id = ++seq;
      waiting.set(id, { resolve, reject });
      process.send?.({ type: 'credentials?', id } satisfies WorkerMessage);
    });
}

/** The child's side: one job from the parent, then exit. */
async function workerMain(): Promise<void> {
  const controller = new AbortController();
  process.on('SIGINT', () => controller.abort(new Error('SIGINT')));
  process.on('SIGTERM', () => controller.abort(new Error('SIGTERM')));
  const send = (m: WorkerMessage) =>
    new Promise<void>((resolve) =>
      process.send?.({ ...m, maxRssBytes: process.resourceUsage().maxRSS * 1024 }, () => resolve()),
    );
  const { job } = await new Promise<{ job: WorkerJob }>((resolve) =>
    process.once('message', (m) => resolve(m as { job: WorkerJob })),
  );
  const renew = job.renewable ? credentialsFromParent() : undefined;
  try {
    const [{ createOssClient }, { downloadObject }] = await Promise.all([
      import('./oss-client.ts'),
      import('./download.ts'),
    ]);
    const securityToken = process.env[CRED_VARS.securityToken];
    const oss = await createOssClient({
      credentials: {
        accessKeyId: process.env[CRED_VARS.accessKeyId] ?? '',
        accessKeySecret: process.env[CRED_VARS.accessKeySecret] ?? '',
        ...(securityToken ? { securityToken } : {}),
      },
      region: job.region,
      env: process.env,
      ...(renew ? { refreshCredentials: renew } : {}),
      ...(job.refreshIntervalMs !== undefined ? { refreshIntervalMs: job.refreshIntervalMs } : {}),
    });
    const gc = (globalThis as { gc?: () => void }).gc;
    let lastProgress = 0;
    const result = await downloadObject({
      oss,
      bucket: job.bucket,
      key: job.key,
      dest: job.dest,
      info: job.info,
      signal: controller.signal,
      ...(job.force ? { force: true } : {}),
      ...(job.retry ? { retry: job.retry } : {}),
      // Spent socket chunks are external memory that V8 collects late; collect as we go.
      ...(gc ? { reclaim: gc } : {}),
      onProgress: (progress) => {
        const now = Date.now();
        if (now - lastProgress < 100 && progress.received < progress.total) return;
        lastProgress = now;
        void send({ type: 'progress', progress });
      },
      onRetry: (event) => void send({ type: 'retry', event }),
    });
    await send({ type: 'done', result });
  } catch (err) {
    await send({ type: 'error', error: serialize(err) });
  }
  process.disconnect?.();
}

// Not awaited at the top level, so that the module can also be bundled (scripts/build-cli.ts); a
// rejection still ends the child with an error, as an uncaught one does.
if (process.argv.includes('--sindri-download-worker')) void workerMain();
