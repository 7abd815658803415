/** Runs a shell line with a real pseudo-terminal (script(1)) as its terminal, optionally typing answers. */
import { spawn } from 'node:child_process';

export interface TerminalRun {
  code: number | null;
  /** Everything the terminal showed (stdout and stderr of the command, escapes included). */
  screen: string;
}

/** When the screen (since the last answer) matches `when`, `type` is typed (a newline is not added). */
export interface Answer {
  when: RegExp;
  type: string;
}

export function underTerminal(
  command: string,
  env: NodeJS.ProcessEnv,
  opts: { cols?: number; answers?: Answer[]; timeoutMs?: number; onScreen?: (screen: string) => void } = {},
): Promise<TerminalRun> {
  const cols = opts.cols ?? 100;
  const answers = [...(opts.answers ?? [])];
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', `stty cols ${cols} rows 40; ${command}`, '/dev/null'], {
      env,
      stdio: [answers.length > 0 ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    let screen = '';
    let since = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      screen += c;
      opts.onScreen?.(screen);
      const next = answers[0];
      if (next?.when.test(screen.slice(since).replace(ESCAPE, ''))) {
        answers.shift();
        since = screen.length;
        child.stdin?.write(next.type);
      }
    });
    child.stderr?.resume();
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, screen });
    });
  });
}

/** A terminal escape sequence (colour, cursor movement). */
export const ESCAPE = new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g');

/** Single-quotes a word for the shell. */
export const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
