import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Reads a `$GITHUB_OUTPUT` file the way the runner does: `name=value` lines, and
 * `name<<DELIMITER` blocks that end at a line equal to the delimiter.
 */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delimiter] = heredoc as unknown as [string, string, string];
      const value: string[] = [];
      i++;
      while (i < lines.length && lines[i] !== delimiter) value.push(lines[i++] as string);
      if (i >= lines.length) throw new Error(`unterminated value for ${name}`);
      out[name] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`malformed output line: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

/** Fake `GITHUB_*` files in a fresh directory, and the environment that names them. */
export function fakeGithubFiles(workspace?: string): {
  dir: string;
  env: NodeJS.ProcessEnv;
  outputs: () => Record<string, string>;
  outputText: () => string;
  summary: () => string;
} {
  const dir = mkdtempSync(join(tmpdir(), 'sindri-gha-'));
  const output = join(dir, 'output');
  const summary = join(dir, 'step_summary');
  writeFileSync(output, '');
  writeFileSync(summary, '');
  return {
    dir,
    env: {
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_OUTPUT: output,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_WORKSPACE: workspace ?? dir,
    },
    outputs: () => parseOutputFile(readFileSync(output, 'utf8')),
    outputText: () => readFileSync(output, 'utf8'),
    summary: () => readFileSync(summary, 'utf8'),
  };
}
