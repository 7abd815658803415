/**
 * Reads packer's `-machine-readable` ui events as the build goes: the phase it is in, the
 * provisioning script it runs (step n of m), and the resources its clean-up failed to delete.
 */
import type { ApiRefusal } from '../packer/api-watch.ts';
import { refusalIn } from '../packer/cloud-assistant-env.ts';
import type { MachineReadableEvent } from '../packer/machine-readable.ts';
import { type ProgressSink, phaseOf } from './progress.ts';

/** packer's closing lines for a failed build: `Build 'x' errored after …`, `Some builds didn't …`. */
const PACKER_SUMMARY = /^(?:Build '[^']*' errored|(?:==> )?Some builds didn't complete|--> )/;
const SCRIPT = /Provisioning with (?:shell script|shell|cloud assistant): (.*)/;
/** A line a script printed, as sindri's Cloud Assistant helper passes it on. */
const SCRIPT_OUTPUT = /^(?:[^:]+: )?│ ?(.*)$/;

/**
 * An error's own words, without packer's prefixes: its closing summary repeats each error twice
 * (`Build 'x' errored after …: <error>`, `--> x: <error>`), which the display shows once.
 */
function errorBody(text: string): string {
  return text
    .split('\n')
    .map((l) =>
      l
        .trim()
        .replace(/^==> [^:]+: /, '')
        .replace(/^Build '[^']*' errored after [^:]*: /, '')
        .replace(/^--> [^:]+: /, ''),
    )
    .filter((l) => l && !/^(?:==> )?Some builds didn't complete/.test(l))
    .join('\n');
}

export interface PackerOutput {
  onEvent(event: MachineReadableEvent): void;
  /** The phase packer last reported (`cleanup` once it deletes what it made). */
  readonly phase: string;
  /** The provisioning script that ran last, for failure messages. */
  readonly lastScript: string;
}

export function readPackerOutput(opts: {
  /** How many provisioning scripts the template runs. */
  scripts: number;
  progress: ProgressSink;
  redact: (text: string) => string;
  /** Every message, not only phases and errors. */
  verbose: boolean;
  /** packer reports a failed deletion and carries on: the resource stays and costs money. */
  onCleanupError: (text: string) => void;
  /**
   * Calls RAM refused sindri's Cloud Assistant helper (which the API watch does not see), told on lines
   * with this tag (cloud-assistant builds only).
   */
  refusals?: { tag: string; onRefusal: (refusal: ApiRefusal) => void };
}): PackerOutput {
  let phase = '';
  let lastScript = '';
  let step = 0;
  const errorsShown = new Set<string>();
  return {
    get phase() {
      return phase;
    },
    get lastScript() {
      return lastScript;
    },
    onEvent(e) {
      if (e.type !== 'ui') return;
      const text = opts.redact(e.data.slice(1).join(','));
      const script = SCRIPT.exec(text)?.[1];
      const seen = phaseOf(text);
      if (seen) phase = seen;
      if (e.data[0] === 'error' && phase === 'cleanup' && !PACKER_SUMMARY.test(text.trim()))
        opts.onCleanupError(text.trim());
      if (script) {
        lastScript = script.split('/').pop() ?? script;
        step++;
        opts.progress.phase('provision', `step ${step}/${Math.max(opts.scripts, step)}: ${script}`);
        return;
      }
      if (e.data[0] === 'error') {
        const body = errorBody(text);
        // The summary's heading, or an error shown already: the display has it.
        if (errorsShown.has(body) || (body === '' && PACKER_SUMMARY.test(text.trim()))) return;
        errorsShown.add(body);
      }
      for (const line of text.split('\n')) {
        const clean = line.replace(/^==> [^:]+: /, '').trim();
        if (!clean) continue;
        const refusal = opts.refusals && refusalIn(clean, opts.refusals.tag);
        if (refusal) {
          opts.refusals?.onRefusal(refusal);
          continue;
        }
        // A cloud-assistant build streams its scripts' output into the progress display.
        const printed = SCRIPT_OUTPUT.exec(clean);
        if (printed) {
          if (printed[1]) opts.progress.detail(printed[1]);
          continue;
        }
        if (seen) opts.progress.phase(seen, clean);
        else if (opts.verbose || e.data[0] === 'error') opts.progress.detail(clean);
      }
    },
  };
}
