/**
 * Judging one fuzz case: through the CLI (a spawned `sindri`) or in process through the code path the
 * commands use (loadConfig → renderConfig → reportError).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportError } from '../../src/cli/report-error.ts';
import { loadConfig } from '../../src/config/load.ts';
import { renderConfig } from '../../src/render/config.ts';
import { type CliResult, isolatedEnv, runSindri, STACK_TRACE } from '../helpers/cli.ts';
import type { FuzzCase } from './cases.ts';

/** The commands a CLI sample rotates through; all of them read sindri.yaml first. */
export const FUZZ_COMMANDS: string[][] = [
  ['packer', 'template', '--out', '-'],
  ['packer', 'validate', '--syntax-only'],
  ['packer', 'template', '--out', '-', '--json'],
  ['packer', 'build', '--dry-run'],
];

/** A problem's head line: `sindri.yaml:12:7  path  message`. */
const LOCATED = /^(?:\S*\/)?sindri\.yaml:\d+:\d+ {2}\S/;

/** What is wrong with one outcome (empty when it is fine). */
export function judge(exitCode: number | null, text: string, json?: string): string[] {
  const wrong: string[] = [];
  if (exitCode !== 0 && exitCode !== 2) wrong.push(`exit ${exitCode}`);
  if (STACK_TRACE.test(text) || (json !== undefined && STACK_TRACE.test(json))) wrong.push('stack trace');
  if (/UnexpectedError|TypeError|RangeError|ReferenceError|Maximum call stack/.test(`${text}${json ?? ''}`))
    wrong.push('unexpected error');
  if (exitCode === 2) {
    if (json !== undefined) {
      let parsed: { error?: { code?: string; problems?: Array<{ file?: string; line?: number }> } };
      try {
        parsed = JSON.parse(json);
      } catch {
        return [...wrong, 'stdout is not JSON'];
      }
      const problems = parsed.error?.problems ?? [];
      if (problems.length === 0) wrong.push(`no problems in the JSON error (${parsed.error?.code})`);
      for (const p of problems)
        if (p.file === 'sindri.yaml' && !(Number(p.line) >= 1)) wrong.push('a problem without a line');
    } else {
      const heads = text.split('\n').filter((l) => l.length > 0 && !l.startsWith(' '));
      if (heads.length === 0) wrong.push('no message');
      for (const h of heads) if (!LOCATED.test(h)) wrong.push(`not located: ${h.slice(0, 120)}`);
    }
  }
  return wrong;
}

/** Writes the case as `<dir>/sindri.yaml`. */
export function writeCase(dir: string, c: FuzzCase): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'sindri.yaml'), c.text);
}

/** The CLI on one case (written to `dir`), with the command chosen by the case's index. */
export async function runCliCase(
  dir: string,
  c: FuzzCase,
  index: number,
): Promise<{ args: string[]; result: CliResult; wrong: string[] }> {
  writeCase(dir, c);
  const args = FUZZ_COMMANDS[index % FUZZ_COMMANDS.length] as string[];
  const result = await runSindri(args, { cwd: dir, env: isolatedEnv({ HOME: dir }) });
  const json = args.includes('--json') ? result.stdout : undefined;
  return { args, result, wrong: judge(result.code, result.stderr, json) };
}

const PACKER = { path: 'packer', version: '1.6.6' } as never;

/** The loader, the renderer and the error report, in process: what `sindri packer template` does. */
export async function runInProcess(
  dir: string,
  c: FuzzCase,
): Promise<{ exitCode: number; text: string; wrong: string[] }> {
  writeCase(dir, c);
  let exitCode = 0;
  let text = '';
  try {
    const loaded = await loadConfig({ cwd: dir, env: {} });
    await renderConfig(loaded, PACKER, { buildId: 'fuzz', sindriVersion: '0.1.0' });
  } catch (err) {
    const report = reportError(err, false);
    exitCode = report.exitCode;
    text = report.text;
  }
  return { exitCode, text, wrong: judge(exitCode, text) };
}
