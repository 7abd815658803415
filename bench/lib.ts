import { spawnSync } from 'node:child_process';

export interface Timing {
  label: string;
  medianMs: number;
  minMs: number;
  runs: number;
}

/** Runs a command `runs` times (after one warm-up) and reports wall-clock median and minimum. */
export function timeCommand(
  label: string,
  cmd: string,
  args: string[],
  opts: { runs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Timing {
  const runs = opts.runs ?? 15;
  const samples: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: 'pipe' });
    const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
    if (result.status !== 0) {
      throw new Error(`${label}: ${cmd} ${args.join(' ')} exited ${result.status}\n${result.stderr}`);
    }
    if (i > 0) samples.push(elapsed);
  }
  samples.sort((a, b) => a - b);
  const mid = Math.floor(samples.length / 2);
  const medianMs =
    samples.length % 2 ? (samples[mid] ?? 0) : ((samples[mid - 1] ?? 0) + (samples[mid] ?? 0)) / 2;
  return { label, medianMs, minMs: samples[0] ?? 0, runs };
}

export function printTable(title: string, rows: Timing[], baseline: Timing): void {
  console.log(`\n${title}`);
  console.log('| command | median ms | min ms | ratio to baseline |');
  console.log('|---|---:|---:|---:|');
  for (const row of rows) {
    const ratio = row.medianMs / baseline.medianMs;
    console.log(
      `| ${row.label} | ${row.medianMs.toFixed(1)} | ${row.minMs.toFixed(1)} | ${ratio.toFixed(2)}x |`,
    );
  }
}

export interface SummaryRow {
  bench: string;
  measure: string;
  value: number;
  baseline: number;
  baselineLabel: string;
  unit: string;
  target?: string;
}

/** One machine-readable line per figure, collected by bench/all.ts into one table. */
export function summary(row: SummaryRow): void {
  console.log(`BENCH ${JSON.stringify(row)}`);
}
