/**
 * Progress of long waits and transfers on stderr: a bar redrawn in place on a terminal, a plain
 * line every 10 % otherwise, nothing with --json.
 */
import type { TransferProgress } from './download.ts';

export type ProgressMode = 'tty' | 'lines' | 'off';

export function progressMode(json: boolean, stream: { isTTY?: boolean } = process.stderr): ProgressMode {
  if (json) return 'off';
  return stream.isTTY === true ? 'tty' : 'lines';
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(1)} ${units[i]}`;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '--';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function bar(fraction: number, width = 24): string {
  const f = Math.min(1, Math.max(0, fraction));
  const full = Math.round(f * width);
  return `[${'#'.repeat(full)}${'-'.repeat(width - full)}]`;
}

export interface ProgressLine {
  /** `percent` in 0..100 and the text after the bar. */
  update(percent: number, text: string): void;
  /** Ends the bar (a newline on a terminal). */
  done(): void;
}

export function progressLine(
  label: string,
  mode: ProgressMode,
  write: (s: string) => void = (s) => process.stderr.write(s),
): ProgressLine {
  let lastStep = -1;
  let drawn = false;
  return {
    update(percent, text) {
      if (mode === 'off') return;
      if (mode === 'tty') {
        write(`\r\x1b[2K${label} ${bar(percent / 100)} ${percent.toFixed(0).padStart(3)}% ${text}`);
        drawn = true;
        return;
      }
      const step = Math.floor(percent / 10);
      if (step > lastStep) {
        lastStep = step;
        write(`${label} ${percent.toFixed(0)}% ${text}\n`);
      }
    },
    done() {
      if (mode === 'tty' && drawn) write('\n');
      drawn = false;
    },
  };
}

/** A download's progress: bytes, rate and ETA. */
export function transferText(p: TransferProgress): string {
  const rate = p.bytesPerSecond > 0 ? `${formatBytes(p.bytesPerSecond)}/s` : '';
  return `${formatBytes(p.received)}/${formatBytes(p.total)} ${rate} ETA ${formatDuration(p.etaSeconds)}`.replace(
    /\s+/g,
    ' ',
  );
}
