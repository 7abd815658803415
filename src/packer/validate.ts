import { KEY_OF_PACKER_ATTRIBUTE, type SettingKey } from '../config/settings.ts';
import { PACKER_BASE_ENV, whichPacker } from './binary.ts';

export interface PackerDiagnostic {
  severity: 'error' | 'warning';
  summary: string;
  detail: string;
  file?: string;
  line?: number;
  column?: number;
  /** The template attribute the diagnostic is about, e.g. source.alicloud-ecs.sindri.instance_type */
  hclPath?: string;
}

export interface PackerValidateResult {
  ok: boolean;
  diagnostics: PackerDiagnostic[];
  /** stdout and stderr as packer printed them. */
  raw: string;
}

export interface PackerValidateOptions {
  syntaxOnly: boolean;
  /** The environment packer runs with (credentials go here, never into the template). */
  env?: NodeJS.ProcessEnv;
  /** Extra arguments such as ["-var", "build_id=..."]. */
  args?: string[];
  /** A packer binary; found on PATH when absent. */
  packerPath?: string;
}

const HEADER = /^(Error|Warning): (.*)$/;
// "  on sindri.pkr.hcl line 12:" / "  on sindri.pkr.hcl line 12, in source "alicloud-ecs" "sindri":"
const LOCATION = /^\s*on (.+?) line (\d+)(?:, column (\d+))?(?:, in (.+?))?:\s*$/;
// packer >= 1.7 prints the source line: "  12:   instance_type = ..."
const SOURCE_LINE = /^\s*\d+:\s/;
const ARG_NAME = /(?:argument named|An argument named) "([^"]+)"|invalid '([^']+)'|^\* ([a-z_]+)\b/m;

/** Parses the diagnostics packer validate prints (HCL diagnostic format, packer 1.6 and later). */
export function parseValidateOutput(output: string): PackerDiagnostic[] {
  const lines = output.replace(/\r\n/g, '\n').split('\n');
  const diags: PackerDiagnostic[] = [];
  let cur: PackerDiagnostic | undefined;
  let detail: string[] = [];
  const flush = () => {
    if (!cur) return;
    cur.detail = detail.join('\n').trim();
    const m = ARG_NAME.exec(`${cur.summary}\n${cur.detail}`);
    const attr = m?.[1] ?? m?.[2] ?? m?.[3];
    if (attr) cur.hclPath = attr;
    diags.push(cur);
    cur = undefined;
    detail = [];
  };
  for (const line of lines) {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes
    const plain = line.replace(/\u001b\[[0-9;]*m/g, '');
    const h = HEADER.exec(plain);
    if (h) {
      flush();
      cur = { severity: h[1] === 'Warning' ? 'warning' : 'error', summary: (h[2] ?? '').trim(), detail: '' };
      continue;
    }
    if (!cur) continue;
    const loc = LOCATION.exec(plain);
    if (loc && cur.file === undefined) {
      cur.file = loc[1];
      cur.line = Number(loc[2]);
      if (loc[3]) cur.column = Number(loc[3]);
      continue;
    }
    if (plain.trim() === '(source code not available)' || SOURCE_LINE.test(plain)) continue;
    detail.push(plain);
  }
  flush();
  return diags;
}

/** The block and attribute at a line of a rendered template, e.g. source.alicloud-ecs.sindri.zone_id. */
export function locateInTemplate(template: string, line: number): string | undefined {
  const lines = template.split('\n');
  const stack: string[] = [];
  let counters = new Map<string, number>();
  const countersStack: Map<string, number>[] = [];
  let found: string | undefined;
  for (let i = 0; i < lines.length && i < line; i++) {
    const text = (lines[i] ?? '').replace(/#.*$/, '').trim();
    const block = /^([a-z_-]+)((?:\s+"[^"]*")*)\s*\{$/.exec(text);
    const attr = /^([A-Za-z_][A-Za-z0-9_-]*)\s*=/.exec(text);
    let blockName: string | undefined;
    if (block) {
      const labels = [...(block[2] ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1]);
      blockName = [block[1], ...labels].join('.');
      if (block[1] === 'provisioner' || block[1] === 'post-processor') {
        const n = counters.get(block[1]) ?? 0;
        if (i !== line - 1) counters.set(block[1], n + 1);
        blockName = `${block[1]}[${n}]`;
      }
    }
    if (i === line - 1) {
      const here = attr?.[1] ?? blockName;
      found = (here ? [...stack, here] : stack).join('.') || undefined;
      break;
    }
    const opens = blockName ?? (attr && /[{[]$/.test(text) ? attr[1] : undefined);
    if (opens) {
      stack.push(opens);
      countersStack.push(counters);
      counters = new Map();
    } else if (text === '}' || text === ']') {
      stack.pop();
      counters = countersStack.pop() ?? new Map();
    }
  }
  return found;
}

const SOURCE = 'source.alicloud-ecs.sindri';
// Outside the source block: the locals and provisioners some settings become.
const ENVIRONMENT: SettingKey = 'providers.packer.build.environment';
const FILES: SettingKey = 'providers.packer.build.files';
const SCRIPTS: SettingKey = 'providers.packer.build.scripts';

/**
 * Maps a template location (from locateInTemplate, or an attribute name alone as packer names it) to the
 * sindri.yaml key path, so that the CLI can point at the user's file. Undefined for sindri's own parts.
 */
export function configKeyForTemplatePath(hclPath: string): string | undefined {
  let rest = hclPath;
  if (rest.startsWith(`${SOURCE}.`)) rest = rest.slice(SOURCE.length + 1);
  else if (rest.startsWith('locals.environment')) return ENVIRONMENT;
  else if (rest.startsWith('build.')) {
    if (/provisioner\[\d+\]\.(source|destination)$/.test(rest)) return FILES;
    if (/provisioner\[\d+\]\.scripts$/.test(rest)) return SCRIPTS;
    return undefined;
  }
  // A line inside the tags map is one tag of that setting.
  if (rest.startsWith('tags.')) rest = 'tags';
  return KEY_OF_PACKER_ATTRIBUTE.get(rest);
}

/** Adds the template location to each diagnostic and maps it to a sindri.yaml key where possible. */
export function annotateDiagnostics(
  diagnostics: PackerDiagnostic[],
  template: string,
): Array<PackerDiagnostic & { configKey?: string }> {
  return diagnostics.map((d) => {
    let hclPath = d.hclPath;
    if (d.line !== undefined) {
      const at = locateInTemplate(template, d.line);
      if (at) {
        // packer 1.6.6 reports builder errors at the block's first line; keep the attribute it named.
        const attrNamed = d.hclPath && !at.endsWith(`.${d.hclPath}`);
        hclPath = attrNamed ? `${at.startsWith(SOURCE) ? SOURCE : at}.${d.hclPath}` : at;
      }
    }
    if (hclPath && !hclPath.includes('.') && KEY_OF_PACKER_ATTRIBUTE.has(hclPath))
      hclPath = `${SOURCE}.${hclPath}`;
    const configKey = hclPath ? configKeyForTemplatePath(hclPath) : undefined;
    const out: PackerDiagnostic & { configKey?: string } = { ...d };
    if (hclPath) out.hclPath = hclPath;
    if (configKey) out.configKey = configKey;
    return out;
  });
}

/** Runs `packer validate` on `file` inside `dir` (relative paths in the template resolve from there). */
export async function packerValidate(
  dir: string,
  file: string,
  opts: PackerValidateOptions,
): Promise<PackerValidateResult> {
  const env = opts.env ?? process.env;
  const packer = opts.packerPath ?? (await whichPacker(env));
  if (!packer) {
    return {
      ok: false,
      diagnostics: [{ severity: 'error', summary: 'packer not found', detail: 'packer is not on PATH.' }],
      raw: '',
    };
  }
  const { execa } = await import('execa');
  const args = ['validate', ...(opts.syntaxOnly ? ['-syntax-only'] : []), ...(opts.args ?? []), file];
  const r = await execa(packer, args, {
    cwd: dir,
    env: { ...env, ...PACKER_BASE_ENV },
    extendEnv: false,
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: 120_000,
  });
  const raw = r.all ?? `${r.stdout}\n${r.stderr}`;
  const diagnostics = parseValidateOutput(raw);
  if (r.exitCode !== 0 && !diagnostics.some((d) => d.severity === 'error')) {
    diagnostics.push({
      severity: 'error',
      summary: `packer validate exited with ${r.exitCode ?? r.signal ?? 'an error'}`,
      detail: raw.trim(),
    });
  }
  return { ok: r.exitCode === 0, diagnostics, raw };
}
