import { randomUUID } from 'node:crypto';
import { appendFile } from 'node:fs/promises';

/**
 * The files GitHub Actions hands every step: `$GITHUB_OUTPUT` (step outputs) and
 * `$GITHUB_STEP_SUMMARY` (Markdown shown on the run's page). Both are appended to, never replaced.
 */

/**
 * Serialises outputs in the runner's file format: `name=value` for single-line values, and the
 * heredoc form `name<<DELIMITER … DELIMITER` for values with line breaks. The delimiter is random
 * and checked against the value, so a value can never end the block early.
 */
export function formatOutputs(outputs: Record<string, string>): string {
  let text = '';
  for (const [name, value] of Object.entries(outputs)) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`invalid output name: ${name}`);
    if (!value.includes('\n') && !value.includes('\r')) {
      text += `${name}=${value}\n`;
      continue;
    }
    let delimiter = `ghadelimiter_${randomUUID()}`;
    while (value.includes(delimiter)) delimiter = `ghadelimiter_${randomUUID()}`;
    text += `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
  }
  return text;
}

/** Appends outputs to `$GITHUB_OUTPUT`; does nothing when the variable is unset. */
export async function writeOutputs(
  env: NodeJS.ProcessEnv,
  outputs: Record<string, string>,
): Promise<boolean> {
  const file = env.GITHUB_OUTPUT;
  if (!file) return false;
  await appendFile(file, formatOutputs(outputs), 'utf8');
  return true;
}

/** Appends Markdown to `$GITHUB_STEP_SUMMARY`; does nothing when the variable is unset. */
export async function writeStepSummary(env: NodeJS.ProcessEnv, markdown: string): Promise<boolean> {
  const file = env.GITHUB_STEP_SUMMARY;
  if (!file) return false;
  await appendFile(file, markdown.endsWith('\n') ? markdown : `${markdown}\n`, 'utf8');
  return true;
}

/** True inside a GitHub Actions step. */
export function inGithubActions(env: NodeJS.ProcessEnv): boolean {
  return env.GITHUB_ACTIONS === 'true';
}
