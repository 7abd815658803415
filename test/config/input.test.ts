/**
 * How the configuration's bytes reach sindri: stdin (`-c -`), directories, devices, unreadable
 * files, other encodings, oversized files and alias bombs each get their own problem (exit 2), at the
 * file or at the offending byte or alias, before anything is parsed or built.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { ConfigProblem } from '../../src/config/errors.ts';
import { MAX_CONFIG_BYTES } from '../../src/config/read.ts';
import { isolatedEnv, runSindri, STACK_TRACE, sindriBin } from '../helpers/cli.ts';

const GOOD = readFileSync(new URL('../fixtures/config/guide-basic.yaml', import.meta.url), 'utf8');

type Problem = ConfigProblem;

describe('configuration input', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sindri-input-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Buffer) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return name;
  };

  /** Runs validate on `config` in text and JSON, checks exit 2 and the streams, returns the problem. */
  async function problemOf(
    config: string,
    input?: string,
    withFix = true,
  ): Promise<{ text: string; problem: Problem }> {
    const args = ['packer', 'validate', '--syntax-only', '--config', config];
    const text = await runSindri(args, { cwd: dir, ...(input === undefined ? {} : { input }) });
    assert.equal(text.code, 2, text.stderr);
    assert.equal(text.stdout, '', 'nothing on stdout');
    assert.doesNotMatch(text.stderr, STACK_TRACE);
    if (withFix) assert.match(text.stderr, /\n {2}fix: /, 'a fix');
    const json = await runSindri([...args, '--json'], {
      cwd: dir,
      ...(input === undefined ? {} : { input }),
    });
    const envelope = JSON.parse(json.stdout);
    assert.equal(envelope.status, 2);
    assert.equal(envelope.error.problems.length, 1);
    return { text: text.stderr, problem: envelope.error.problems[0] };
  }

  it('-c - reads the configuration from stdin', async () => {
    const r = await runSindri(['packer', 'validate', '--syntax-only', '-c', '-'], { cwd: dir, input: GOOD });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /<stdin>: configuration is valid/);
    const t = await runSindri(['packer', 'template', '--out', '-', '-c', '-'], { cwd: dir, input: GOOD });
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /source "alicloud-ecs"/);
  });

  it('a problem in a configuration from stdin is located in <stdin>', async () => {
    const { text, problem } = await problemOf(
      '-',
      GOOD.replace(/region: cn-hangzhou/, 'region: mars-1'),
      false,
    );
    assert.equal(problem.file, '<stdin>');
    assert.equal(problem.path, 'providers.packer.alibaba.region');
    assert.ok(problem.line && problem.line > 1);
    assert.match(text, /^<stdin>:\d+:\d+ {2}providers\.packer\.alibaba\.region/m);
  });

  it('a directory: its own message, and the file inside it when there is one', async () => {
    mkdirSync(join(dir, 'images'), { recursive: true });
    const empty = await problemOf('images');
    assert.match(empty.problem.message, /is a directory, not a configuration file/);
    assert.doesNotMatch(empty.text, /not found|\(root\)/);
    file('images/sindri.yaml', GOOD);
    const withFile = await problemOf('images');
    assert.equal(withFile.problem.hint, 'pass the file: --config images/sindri.yaml');
  });

  it('a device such as /dev/null is not taken for an empty configuration', async () => {
    const { text, problem } = await problemOf('/dev/null');
    assert.match(problem.message, /\/dev\/null is a character device, not a configuration file/);
    assert.doesNotMatch(text, /not found|\(root\)/);
  });

  it('a missing file: "not found" with how to make one', async () => {
    const { problem } = await problemOf('nope.yaml');
    assert.match(problem.message, /config file not found/);
    const r = await runSindri(['packer', 'validate'], { cwd: dir });
    assert.match(r.stderr, /fix: run 'sindri init' to write one/);
  });

  it('an unreadable file (EACCES) is reported at the file, not under (root)', async () => {
    const name = file('secret.yaml', GOOD);
    chmodSync(join(dir, name), 0o000);
    chmodSync(dir, 0o755);
    // root reads anything: drop to an unprivileged user for this run.
    const asUser = process.getuid?.() === 0;
    const home = mkdtempSync(join(tmpdir(), 'sindri-input-home-'));
    chmodSync(home, 0o777);
    const cmd = asUser ? 'setpriv' : process.execPath;
    const args = [
      ...(asUser ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : []),
      sindriBin,
      'packer',
      'validate',
      '--syntax-only',
      '-c',
      name,
    ];
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(cmd, args, { cwd: dir, env: isolatedEnv({ HOME: home }) });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    rmSync(home, { recursive: true, force: true });
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^secret\.yaml {2}cannot read .*secret\.yaml: permission denied$/m);
    assert.match(r.stderr, /fix: give your user read access/);
    assert.doesNotMatch(r.stderr, /\(root\)/);
  });

  it('Latin-1 bytes: located at the byte, under its key, with how to convert', async () => {
    const [head, tail] = GOOD.split(/^name: .*$/m) as [string, string];
    const bytes = Buffer.concat([Buffer.from(`${head}name: caf`), Buffer.from([0xe9]), Buffer.from(tail)]);
    const { problem } = await problemOf(file('latin1.yaml', bytes));
    assert.equal(problem.path, 'name');
    assert.equal(problem.line, head.split('\n').length);
    assert.equal(problem.column, 'name: caf'.length + 1);
    assert.match(problem.message, /byte 0xe9 is not UTF-8/);
    assert.match(problem.hint ?? '', /iconv/);
  });

  it('UTF-16 is named as such; a UTF-8 byte-order mark is fine', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(GOOD, 'utf16le')]);
    const { problem } = await problemOf(file('utf16.yaml', utf16));
    assert.match(problem.message, /UTF-16/);
    const bom = file('bom.yaml', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(GOOD)]));
    const ok = await runSindri(['packer', 'validate', '--syntax-only', '-c', bom], { cwd: dir });
    assert.equal(ok.code, 0, ok.stderr);
  });

  it(`over ${MAX_CONFIG_BYTES} bytes: refused quickly, before parsing, from a file or from stdin`, async () => {
    const big = `${GOOD}\n# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`;
    const started = Date.now();
    const fromFile = await problemOf(file('big.yaml', big));
    assert.match(fromFile.problem.message, /over the 1 MiB limit; nothing was parsed/);
    assert.match(fromFile.problem.message, new RegExp(`${Buffer.byteLength(big)} bytes`));
    const fromStdin = await problemOf('-', big);
    assert.equal(fromStdin.problem.file, '<stdin>');
    assert.match(fromStdin.problem.message, /over the 1 MiB limit/);
    assert.ok(Date.now() - started < 20_000);
    // Just under the limit is read.
    const under = `${GOOD}\n# ${'x'.repeat(MAX_CONFIG_BYTES - Buffer.byteLength(GOOD) - 10)}\n`;
    const ok = await runSindri(['packer', 'validate', '--syntax-only', '-c', file('under.yaml', under)], {
      cwd: dir,
    });
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('an alias bomb is located at the alias that passed the limit', async () => {
    const lines = [
      GOOD.trimEnd(),
      'x-a: &a ["l", "o", "l", "o", "l", "o", "l", "o", "l", "o"]',
      'x-b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'x-c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'x-d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ];
    const text0 = `${lines.join('\n')}\n`;
    const { text, problem } = await problemOf(file('bomb.yaml', text0));
    const all = text0.split('\n');
    assert.equal(all[(problem.line ?? 0) - 1]?.slice(0, 4), 'x-c:', "at x-c's line");
    assert.match(problem.path, /^x-c\[\d\]$/);
    const col = problem.column ?? 0;
    assert.equal(all[(problem.line ?? 0) - 1]?.slice(col - 1, col + 1), '*b', 'the column is at an alias');
    assert.match(problem.message, /alias \*b expands past 100/);
    assert.doesNotMatch(text, /1:1 {2}version/);
  });
});
