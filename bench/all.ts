/**
 * Every benchmark, one after another, then one table of their headline figures, each as a ratio to its
 * baseline measured in the same run. `npm run bench` (builds first). BENCH_RUNS lowers repetitions.
 */
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { SummaryRow } from './lib.ts';

const BENCHES = [
  'startup.ts',
  'cloud-start.ts',
  'sdk-load.ts',
  'cli-floor.ts',
  'list.ts',
  'distribution.ts',
  'build-overhead.ts',
];
const rows: SummaryRow[] = [];

for (const file of BENCHES) {
  const path = fileURLToPath(new URL(file, import.meta.url));
  console.log(`\n### bench/${file}`);
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, [path, ...(file === 'distribution.ts' ? ['300', '1000'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('BENCH ')) rows.push(JSON.parse(line.slice(6)) as SummaryRow);
        else console.log(line);
      }
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    console.error(`bench/${file} exited ${code}`);
    process.exitCode = 1;
  }
}

const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
console.log(
  `\n## Summary (${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version})\n`,
);
console.log('| bench | measure | value | baseline (same run) | ratio | target |');
console.log('|---|---|---:|---|---:|---|');
for (const r of rows) {
  const fmt = (v: number) => (r.unit === 'ms' ? `${v.toFixed(0)} ms` : `${v} ${r.unit}`);
  console.log(
    `| ${r.bench} | ${r.measure} | ${fmt(r.value)} | ${r.baselineLabel}: ${fmt(r.baseline)} | ${(r.value / r.baseline).toFixed(2)} | ${r.target ?? ''} |`,
  );
}
