/**
 * Output into a pipe whose reader has gone (`sindri help | head -1`): whatever writes it (oclif's help,
 * the not-found hook, a command), sindri exits with its own code, never 13 (an unsettled top-level
 * await) and never with a stack trace.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { isolatedEnv, STACK_TRACE, sindriBin } from '../helpers/cli.ts';

/** Runs sindri with stdout a pipe that is closed after the first chunk arrives. */
function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sindriBin, ...args], {
      env: { ...isolatedEnv(), COLUMNS: '80' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
    });
    child.stdout.once('data', () => child.stdout.destroy());
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('a closed stdout pipe', () => {
  for (const [args, expected] of [
    [['help'], 0],
    [['packer', 'list', '--help'], 0],
    [['packer', '--help'], 0],
    [['version', '--json'], 0],
    [['packer', 'ci', 'github', '--out', '-', '--config', 'missing.yaml'], 2],
  ] as const) {
    it(`sindri ${args.join(' ')} exits ${expected}`, async () => {
      const r = await withClosedStdout([...args]);
      assert.equal(r.code, expected, r.stderr);
      assert.doesNotMatch(r.stderr, /unsettled top-level await/);
      assert.doesNotMatch(r.stderr, STACK_TRACE);
    });
  }
});
