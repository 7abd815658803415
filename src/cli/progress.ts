/** How a pipeline's progress is shown: a live display on a terminal, else plain lines on stderr. */
import { clock, createProgress, etaEstimator, type ProgressSink } from '../pipeline/progress.ts';
import { progressLine, progressMode } from '../transfer/progress.ts';

/** Narrower than this (or of unknown width, as some CI pseudo-terminals report), a live display garbles. */
const MIN_LIVE_COLUMNS = 40;

/** Whether stderr can hold the live display: a terminal of a known, usable width, outside CI. */
export function canDrawLive(stream: { isTTY?: boolean; columns?: number } = process.stderr): boolean {
  return stream.isTTY === true && !process.env.CI && (stream.columns ?? 0) >= MIN_LIVE_COLUMNS;
}

/** The build's display: live phases on a terminal, timestamped lines in logs and pipes. */
export async function buildProgress(): Promise<ProgressSink> {
  if (canDrawLive()) return (await import('./progress-tty.ts')).createTtyProgress();
  return createProgress({ enabled: true });
}

/**
 * The display of capture and distribute: each detail a line (`indent` in front), a percentage as a
 * bar on a terminal; nothing with --json.
 */
export function lineProgress(opts: {
  json: boolean;
  indent?: string;
}): ProgressSink & { close(): Promise<void> } {
  const timing = createProgress({ enabled: false });
  const write = (line: string) => {
    if (!opts.json) process.stderr.write(`${opts.indent ?? ''}${line}\n`);
  };
  const bar = progressLine('image', progressMode(opts.json));
  let eta = etaEstimator();
  return {
    phase(name, detail) {
      timing.phase(name, detail);
      if (detail) write(detail);
    },
    detail(text) {
      bar.done();
      write(text);
    },
    percent(_phase, value, status) {
      const left = eta(value);
      bar.update(value, `${status}${left === undefined || value >= 100 ? '' : ` ETA ${clock(left)}`}`);
      if (value >= 100) {
        bar.done();
        eta = etaEstimator();
      }
    },
    end: () => timing.end(),
    async close() {
      bar.done();
    },
  };
}
