/**
 * sindri's Cloud Assistant provisioner: what a `cloud-assistant` build's `shell-local` provisioners
 * run (packer's communicator is "none", so packer 1.6.6 and the plugin both accept the template).
 *
 *   node cloud-assistant.js --sindri-cloud-assistant run --instance sindri-<build ID> [--env FILE] SCRIPT...
 *   node cloud-assistant.js --sindri-cloud-assistant upload --instance sindri-<build ID> SOURCE DESTINATION
 *
 * It finds the build instance by its name, waits for its agent, sends each script and runs it as root
 * (its output streamed to packer, prefixed `│ `), and exits with the first failing script's exit code;
 * an upload goes through SendFile. Credentials come from packer's own environment (ALICLOUD_*), the
 * rest from SINDRI_CLOUD_ASSISTANT (no secrets). An interrupt stops the running command.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { CloudClients } from '../cloud/clients.ts';
import { CloudError, isPermissionDenied } from '../cloud/errors.ts';
import { SindriError } from '../errors.ts';
import {
  type AssistantTarget,
  agentHint,
  findInstanceByName,
  runCommand,
  sendFile,
  waitForAgent,
} from '../images/cloud-assistant.ts';
import {
  type AssistantSettings,
  CLOUD_ASSISTANT_FLAG,
  refusalLine,
  SETTINGS_VAR,
} from './cloud-assistant-env.ts';

/** Where scripts and their logs wait on the instance (a tmpfs: never part of the image). */
export const REMOTE_DIR = '/run/sindri-ca';
/** Archives of uploaded directories above this size are refused (Cloud Assistant sends 24 KB a call). */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Writes output lines with the prefix packer-output shows in the progress display. */
function lineWriter(write: (text: string) => void) {
  let partial = '';
  return {
    push(text: string) {
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) write(`│ ${line}\n`);
    },
    flush() {
      if (partial) write(`│ ${partial}\n`);
      partial = '';
    },
  };
}

async function connect(env: NodeJS.ProcessEnv, settings: AssistantSettings): Promise<CloudClients> {
  const accessKeyId = env.ALICLOUD_ACCESS_KEY;
  const accessKeySecret = env.ALICLOUD_SECRET_KEY;
  if (!accessKeyId || !accessKeySecret)
    throw new SindriError(
      'the Cloud Assistant helper runs under packer, which passes it ALICLOUD_* credentials.',
      {
        code: 'CredentialsNotFound',
      },
    );
  const { createClients } = await import('../cloud/clients.ts');
  const clientEnv: NodeJS.ProcessEnv = { ...env };
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy'])
    delete clientEnv[k];
  Object.assign(clientEnv, settings.proxyEnv);
  return createClients({
    credentials: {
      accessKeyId,
      accessKeySecret,
      ...(env.SECURITY_TOKEN ? { securityToken: env.SECURITY_TOKEN } : {}),
      source: 'env:ALICLOUD_ACCESS_KEY',
    },
    region: settings.region,
    env: clientEnv,
    ...(settings.endpoints ? { endpoints: settings.endpoints } : {}),
  });
}

async function target(
  clients: CloudClients,
  settings: AssistantSettings,
  name: string,
  signal: AbortSignal,
): Promise<AssistantTarget> {
  const found = await findInstanceByName(clients, settings.region, name);
  if (found?.status !== 'Running')
    throw new SindriError(`no running instance is named ${name}.`, { code: 'InvalidInstance.NotFound' });
  const t = {
    clients,
    region: settings.region,
    instanceId: (found as { instanceId: string }).instanceId,
    signal,
    pollMs: settings.pollMs,
  };
  await waitForAgent(t, settings.agentTimeoutMs);
  return t;
}

/** A name for a script's copy on the instance. */
const remoteName = (script: string) => script.replace(/[^A-Za-z0-9._-]/g, '_');

async function runScripts(
  t: AssistantTarget,
  settings: AssistantSettings,
  scripts: string[],
  envFile: string | undefined,
  out: (text: string) => void,
): Promise<number> {
  if (envFile) await sendFile(t, await readFile(envFile), REMOTE_DIR, 'environment', '0600');
  for (const script of scripts) {
    out(`Provisioning with cloud assistant: ${script}\n`);
    const name = remoteName(script);
    const path = `${REMOTE_DIR}/${name}`;
    await sendFile(t, await readFile(script), REMOTE_DIR, name, '0700');
    const wrapper = [
      envFile ? `set -a; . ${q(`${REMOTE_DIR}/environment`)}; set +a` : '',
      `{ ${q(path)} 2>&1; echo $? > ${q(`${path}.rc`)}; } | tee ${q(`${path}.log`)}`,
      `rc=$(cat ${q(`${path}.rc`)} 2>/dev/null || echo 1)`,
      `exit "$rc"`,
    ]
      .filter(Boolean)
      .join('\n');
    const lines = lineWriter(out);
    const r = await runCommand(t, wrapper, {
      timeoutSeconds: settings.scriptTimeoutSeconds,
      name: `sindri: ${script}`,
      onOutput: (text) => lines.push(text),
    });
    lines.flush();
    if (r.dropped > 0)
      out(
        `(Cloud Assistant kept the first 24 KB of the output and dropped ${r.dropped} bytes; the last of it follows)\n`,
      );
    if (r.state === 'Success') {
      await runCommand(t, `rm -f ${q(path)} ${q(`${path}.rc`)} ${q(`${path}.log`)}`, { timeoutSeconds: 60 });
      continue;
    }
    if (r.dropped > 0) {
      const last = await runCommand(t, `tail -c 8192 ${q(`${path}.log`)}`, { timeoutSeconds: 60 });
      const tail = lineWriter(out);
      tail.push(last.output);
      tail.flush();
    }
    const why =
      r.state === 'Failed'
        ? `exit ${r.exitCode}`
        : r.timedOut
          ? `it did not finish within ${settings.scriptTimeoutSeconds} s`
          : `${r.state}${r.errorCode ? ` ${r.errorCode}` : ''}${r.errorInfo ? ` (${r.errorInfo})` : ''}`;
    const hint = agentHint(r.errorCode);
    process.stderr.write(
      `sindri: ${script} failed through Cloud Assistant: ${why}${hint ? `; ${hint}` : ''}\n`,
    );
    return r.exitCode && r.exitCode > 0 ? r.exitCode : 1;
  }
  return 0;
}

async function upload(t: AssistantTarget, source: string, destination: string): Promise<void> {
  const info = await stat(source);
  if (!info.isDirectory()) {
    await sendFile(t, await readFile(source), dirname(destination), basename(destination), '0600');
    return;
  }
  const { execa } = await import('execa');
  const tar = await execa('tar', ['-czf', '-', '-C', source, '.'], {
    encoding: 'buffer',
    stripFinalNewline: false,
  });
  const archive = Buffer.from(tar.stdout);
  if (archive.length > MAX_UPLOAD_BYTES)
    throw new SindriError(
      `${source} is ${Math.round(archive.length / 1048576)} MiB compressed; Cloud Assistant uploads are limited to ${MAX_UPLOAD_BYTES / 1048576} MiB.`,
      {
        code: 'UploadTooLarge',
        actions: [
          'download large files in a build script instead (from OSS or a mirror)',
          'or use communicator: ssh',
        ],
      },
    );
  const name = `${remoteName(destination)}.tgz`;
  await sendFile(t, archive, REMOTE_DIR, name, '0600');
  const r = await runCommand(
    t,
    `set -e\nmkdir -p ${q(destination)}\ntar -xzf ${q(`${REMOTE_DIR}/${name}`)} -C ${q(destination)}\nrm -f ${q(`${REMOTE_DIR}/${name}`)}\n`,
    { timeoutSeconds: 600, name: `sindri: unpack ${destination}` },
  );
  if (r.state !== 'Success')
    throw new SindriError(`unpacking ${destination} failed: ${r.output.trim() || r.state}`, {
      code: 'UploadFailed',
    });
}

/** The helper's main: returns the process exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  const args = argv.slice(argv.indexOf(CLOUD_ASSISTANT_FLAG) + 1);
  const [command, ...rest] = args;
  const option = (name: string) => {
    const i = rest.indexOf(name);
    if (i < 0) return undefined;
    const [value] = rest.splice(i, 2).slice(1);
    return value;
  };
  const envFile = option('--env');
  const raw = env[SETTINGS_VAR];
  const settings = raw ? (JSON.parse(raw) as AssistantSettings) : undefined;
  const instance = option('--instance') ?? settings?.instanceName;
  if (!instance || !settings || (command !== 'run' && command !== 'upload')) {
    process.stderr.write(
      `usage: ${CLOUD_ASSISTANT_FLAG} run|upload [--instance NAME] ... (with ${SETTINGS_VAR} set)\n`,
    );
    return 2;
  }
  try {
    const clients = await connect(env, settings);
    const t = await target(clients, settings, instance, signal);
    if (command === 'upload') {
      const [source, destination] = rest;
      if (!source || !destination)
        throw new SindriError('upload takes SOURCE DESTINATION.', { code: 'Usage' });
      out(`Uploading with cloud assistant: ${source} => ${destination}\n`);
      await upload(t, source, destination);
      return 0;
    }
    const code = await runScripts(t, settings, rest, envFile, out);
    await runCommand(t, `rm -rf ${q(REMOTE_DIR)}`, { timeoutSeconds: 60 }).catch(() => undefined);
    return code;
  } catch (err) {
    if (err instanceof CloudError && err.action && isPermissionDenied(err.code))
      process.stderr.write(
        refusalLine(settings.refusalTag, { action: err.action, code: err.code, requestId: err.requestId }),
      );
    process.stderr.write(`sindri: ${err instanceof Error ? err.message : String(err)}\n`);
    if (err instanceof SindriError && err.actions.length > 0)
      process.stderr.write(`  fix: ${err.actions.join('; ')}\n`);
    return signal.aborted ? 130 : 1;
  }
}

if (process.argv.includes(CLOUD_ASSISTANT_FLAG)) {
  const controller = new AbortController();
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => controller.abort());
  main(process.argv, process.env, controller.signal).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
