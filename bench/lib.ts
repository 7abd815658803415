import { spawn, spawnSync } from 'node:child_process';

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
  return timing(label, samples, runs);
}

/**
 * Several commands timed in turn, one run of each per round (after one warm-up round), so that a change
 * in load hits all alike. Asynchronous, for commands that talk to an emulator running in this process.
 */
export async function timeAlternating(
  commands: Array<{ label: string; cmd: string; args: string[] }>,
  opts: { runs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<Timing[]> {
  const runs = opts.runs ?? 15;
  const samples = commands.map(() => [] as number[]);
  for (let i = 0; i <= runs; i++) {
    for (const [j, c] of commands.entries()) {
      const ms = await timeOnce(c.label, c.cmd, c.args, opts);
      if (i > 0) samples[j]?.push(ms);
    }
  }
  return commands.map((c, j) => timing(c.label, samples[j] ?? [], runs));
}

function timeOnce(
  label: string,
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string },
): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (status) => {
      const elapsed = Number(process.hrtime.bigint() - start) / 1e6;
      if (status !== 0) reject(new Error(`${label}: ${cmd} ${args.join(' ')} exited ${status}\n${stderr}`));
      else resolve(elapsed);
    });
  });
}

function timing(label: string, samples: number[], runs: number): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const medianMs = sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { label, medianMs, minMs: sorted[0] ?? 0, runs };
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
