// Start-up benchmark: sindri's cold paths against `node -e 0` and `packer version`, from the same run.
// Target: `sindri --version` within 1.5x of `node -e 0`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { printTable, summary, timeCommand } from './lib.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'run.js');
const node = process.execPath;
const runs = Number(process.env.BENCH_RUNS ?? 15);
const cacheDir = mkdtempSync(join(tmpdir(), 'sindri-bench-'));
const env = { ...process.env, NODE_COMPILE_CACHE: cacheDir, CHECKPOINT_DISABLE: '1' };

try {
  const baseline = timeCommand('node -e 0', node, ['-e', '0'], { runs, env });
  const rows = [
    baseline,
    timeCommand('packer version', 'packer', ['version'], { runs, env }),
    timeCommand('sindri --version', node, [bin, '--version'], { runs, env }),
    timeCommand(
      'sindri packer validate --syntax-only',
      node,
      [bin, 'packer', 'validate', '--syntax-only', '--config', 'test/fixtures/config/guide-basic.yaml'],
      {
        runs,
        env,
        cwd: root,
      },
    ),
  ];
  printTable(`Start-up (${runs} runs each, Node ${process.version})`, rows, baseline);
  const version = rows[2];
  if (version) {
    const ratio = version.medianMs / baseline.medianMs;
    console.log(
      `\nsindri --version: ${ratio.toFixed(2)}x node -e 0 (target <= 1.5x): ${ratio <= 1.5 ? 'met' : 'MISSED'}`,
    );
    summary({
      bench: 'startup',
      measure: 'sindri --version',
      value: version.medianMs,
      baseline: baseline.medianMs,
      baselineLabel: 'node -e 0',
      unit: 'ms',
      target: '<= 1.5',
    });
  }
} finally {
  rmSync(cacheDir, { recursive: true, force: true });
}
