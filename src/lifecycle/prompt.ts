/**
 * Yes/no confirmation. On a terminal the question is asked interactively. When stdin is not a
 * terminal, one answer line is read from it (so scripts and tests can pipe `y`); if stdin ends
 * without an answer the command refuses with exit 2 (use --force or --yes in scripts).
 */
import { createInterface } from 'node:readline';
import { UsageError } from '../errors.ts';

export interface ConfirmOptions {
  input?: NodeJS.ReadableStream & { isTTY?: boolean };
  output?: NodeJS.WritableStream;
  /** The flag that skips the question, named in the refusal. */
  skipFlag?: string;
}

export function isYes(answer: string): boolean {
  return /^\s*(y|yes)\s*$/i.test(answer);
}

/** Reads the first line of a stream; `undefined` when the stream ends before any input. */
export function readAnswer(input: NodeJS.ReadableStream, output?: NodeJS.WritableStream, question = '') {
  return new Promise<string | undefined>((resolve) => {
    const rl = createInterface({ input, ...(output ? { output } : {}), terminal: false });
    let answered = false;
    rl.once('line', (line) => {
      answered = true;
      rl.close();
      resolve(line);
    });
    rl.once('close', () => {
      if (!answered) resolve(undefined);
    });
    if (question && output) output.write(question);
  });
}

export async function confirm(question: string, opts: ConfirmOptions = {}): Promise<boolean> {
  const input = opts.input ?? process.stdin;
  const output = opts.output ?? process.stderr;
  const prompt = `${question} [y/N] `;
  const answer = await readAnswer(input, output, prompt);
  if (!input.isTTY) output.write(answer === undefined ? '\n' : `${answer}\n`);
  if (answer === undefined) {
    throw new UsageError(
      'Confirmation needed, but stdin ended without an answer.',
      `answer "y" on stdin, or pass ${opts.skipFlag ?? '--force'} to skip the question`,
    );
  }
  return isYes(answer);
}
