/**
 * Runs generated malformed and edge-case sindri.yaml files through the real CLI (rotating `packer
 * template`, `packer validate --syntax-only`, `--json`, `packer build --dry-run`): every one must exit
 * 0 or 2 with a located message and no stack trace. `npm run fuzz -- [--count 1000] [--seed N] [--jobs N]`.
 * Failing cases are kept in a directory named at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateCases } from '../test/fuzz/cases.ts';
import { runCliCase } from '../test/fuzz/check.ts';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '20260705' },
    jobs: { type: 'string', default: String(availableParallelism()) },
  },
});
const count = Number(values.count);
const cases = generateCases(count, Number(values.seed));
const root = mkdtempSync(join(tmpdir(), 'sindri-fuzz-'));
const started = performance.now();
const byCode = new Map<string, number>();
const byCommand = new Map<string, number>();
const failures: Array<{ name: string; args: string; wrong: string[]; dir: string }> = [];
let next = 0;
let done = 0;

async function worker(): Promise<void> {
  while (next < cases.length) {
    const i = next++;
    const c = cases[i];
    if (!c) return;
    const dir = join(root, String(i));
    const r = await runCliCase(dir, c, i);
    const code = String(r.result.code);
    byCode.set(code, (byCode.get(code) ?? 0) + 1);
    const cmd = r.args.join(' ');
    byCommand.set(cmd, (byCommand.get(cmd) ?? 0) + 1);
    if (r.wrong.length > 0) {
      failures.push({ name: c.name, args: cmd, wrong: r.wrong, dir });
      writeFileSync(join(dir, 'output.txt'), `${r.result.stdout}\n---\n${r.result.stderr}`);
    } else rmSync(dir, { recursive: true, force: true });
    if (++done % 100 === 0) process.stderr.write(`${done}/${cases.length}\n`);
  }
}

await Promise.all(Array.from({ length: Math.max(1, Number(values.jobs)) }, worker));
const seconds = (performance.now() - started) / 1000;
console.log(`\nfuzz: ${cases.length} files through the CLI in ${seconds.toFixed(1)} s (seed ${values.seed})`);
console.log(`exit codes: ${[...byCode].map(([k, v]) => `${k}: ${v}`).join(', ')}`);
for (const [cmd, n] of byCommand) console.log(`  sindri ${cmd}: ${n}`);
console.log(`failures: ${failures.length}`);
for (const f of failures.slice(0, 20))
  console.log(`  ${f.name} (${f.args}): ${f.wrong.join('; ')} — ${f.dir}`);
if (failures.length > 0) {
  console.log(`failing cases kept under ${root}`);
  process.exitCode = 1;
} else rmSync(root, { recursive: true, force: true });
