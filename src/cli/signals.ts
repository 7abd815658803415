/**
 * Ctrl-C, SIGTERM and SIGHUP (a closed terminal, a dropped SSH session) abort the work in progress
 * through one AbortController, so each command stops at a safe point and says how to continue.
 * A second signal says what is still happening; a third Ctrl-C quits at once, saying what that leaves.
 */
import { ExitCode } from '../errors.ts';

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

export interface Interrupts {
  readonly signal: AbortSignal;
  /** Removes the handlers (call it when the work is done). */
  dispose(): void;
}

export interface RepeatOptions {
  /** What the command is still doing after the first signal (shown on the second). */
  stillDoing?: string;
  /** What quitting at once leaves behind, and how to find it. */
  ifQuit?: string;
  write?: (text: string) => void;
  exit?: (code: number) => void;
}

export function interruptOnSignals(
  onFirst?: (signal: NodeJS.Signals) => void,
  repeat: RepeatOptions = {},
): Interrupts {
  const controller = new AbortController();
  const write = repeat.write ?? ((text: string) => process.stderr.write(text));
  const exit = repeat.exit ?? ((code: number) => process.exit(code));
  let count = 0;
  const handle = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      onFirst?.(sig);
      controller.abort(new Error(sig));
      return;
    }
    const doing = repeat.stillDoing ?? 'stopping at a safe point';
    const left = repeat.ifQuit ?? 'the work stops where it is';
    if (sig === 'SIGINT' && count >= 3) {
      write(`\n${sig} a third time: quitting now. ${left}\n`);
      exit(ExitCode.interrupted);
      return;
    }
    write(
      `\n${sig} again: still ${doing}.${sig === 'SIGINT' ? ` Press Ctrl-C once more to quit at once (${left}).` : ''}\n`,
    );
  };
  for (const sig of SIGNALS) process.on(sig, handle);
  return {
    signal: controller.signal,
    dispose() {
      for (const sig of SIGNALS) process.off(sig, handle);
    },
  };
}
