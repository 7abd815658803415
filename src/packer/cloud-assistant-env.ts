/**
 * What packer's environment carries for a cloud-assistant build's helper (cloud-assistant.ts): the
 * Node.js binary and the helper's file, so the template names neither, and the helper's settings
 * (JSON, no secrets: the credentials are packer's own ALICLOUD_* variables).
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { EndpointOverrides } from '../cloud/endpoints.ts';
import type { SindriConfig } from '../config/types.ts';
import type { ApiRefusal } from './api-watch.ts';

export const CLOUD_ASSISTANT_FLAG = '--sindri-cloud-assistant';
/** The variable that carries the helper's settings (JSON of `AssistantSettings`). */
export const SETTINGS_VAR = 'SINDRI_CLOUD_ASSISTANT';
/** How long one provisioning script may run (RunCommand `Timeout`). */
export const SCRIPT_TIMEOUT_SECONDS = 3 * 60 * 60;

/**
 * The helper's own calls do not pass the API watch (it is not packer), so a call RAM refuses is told on
 * one line of its stderr, which packer passes on and the build reads (pipeline/packer-output.ts). The
 * line carries a tag made for the build, known to the helper through its settings (which stay on this
 * machine), so that no provisioning script's output can pass for one.
 */
export function refusalLine(tag: string, refusal: ApiRefusal): string {
  return `sindri-refused-${tag}: ${JSON.stringify(refusal)}\n`;
}

/** A new tag for refusal lines. */
export function newRefusalTag(): string {
  return randomBytes(8).toString('hex');
}

/** The refusal a line of packer's output tells of, if it is one (after packer's own prefix only). */
export function refusalIn(line: string, tag: string): ApiRefusal | undefined {
  const m = new RegExp(`^(?:[\\w.-]+: )?sindri-refused-${tag}: (\\{.*\\})$`).exec(line);
  if (!m?.[1]) return undefined;
  try {
    const r = JSON.parse(m[1]) as Partial<ApiRefusal>;
    if (typeof r.action !== 'string' || typeof r.code !== 'string') return undefined;
    return {
      action: r.action,
      code: r.code,
      requestId: typeof r.requestId === 'string' ? r.requestId : undefined,
    };
  } catch {
    return undefined;
  }
}

export interface AssistantSettings {
  region: string;
  /** The build instance: `sindri-<build ID>`. */
  instanceName: string;
  endpoints?: EndpointOverrides | undefined;
  /** The user's own proxy variables (packer's may point at sindri's loopback API watch). */
  proxyEnv: Record<string, string>;
  /** How long to wait for the agent (build.ssh_timeout). */
  agentTimeoutMs: number;
  scriptTimeoutSeconds: number;
  pollMs?: number | undefined;
  /** What the helper's refusal lines carry (refusalLine). */
  refusalTag: string;
}

/** The helper's entry file (`dist/src/packer/cloud-assistant.js` when installed). */
export function cloudAssistantEntry(): string {
  return fileURLToPath(
    new URL(`./cloud-assistant${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url),
  );
}

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** A Go duration (`20m`, `1h30m`, `90s`) in milliseconds; 0 when it is not one. */
export function goDurationMs(text: string): number {
  let total = 0;
  let rest = text.trim();
  while (rest) {
    const m = /^([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) return 0;
    total += Number(m[1]) * (UNITS[m[2] as string] ?? 0);
    rest = rest.slice(m[0].length);
  }
  return Math.round(total);
}

/** The variables to add to packer's environment. */
export function assistantEnv(
  config: SindriConfig,
  env: NodeJS.ProcessEnv,
  instanceName: string,
  refusalTag: string,
  pollMs?: number,
): Record<string, string> {
  const p = config.providers.packer;
  const proxyEnv: Record<string, string> = {};
  for (const k of ['HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'http_proxy', 'https_proxy', 'no_proxy']) {
    const v = env[k];
    if (v !== undefined) proxyEnv[k] = v;
  }
  const settings: AssistantSettings = {
    region: p.alibaba.region,
    instanceName,
    endpoints: p.alibaba.endpoints,
    proxyEnv,
    agentTimeoutMs: goDurationMs(p.build.ssh_timeout) || 20 * 60_000,
    scriptTimeoutSeconds: SCRIPT_TIMEOUT_SECONDS,
    pollMs,
    refusalTag,
  };
  return {
    SINDRI_NODE: process.execPath,
    SINDRI_CLOUD_ASSISTANT_JS: cloudAssistantEntry(),
    [SETTINGS_VAR]: JSON.stringify(settings),
  };
}
