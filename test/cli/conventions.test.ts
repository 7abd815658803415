/**
 * The oclif conventions people expect: `help`, `-h`, `version --json`, a suggestion for a mistyped
 * command (spaces, never `packer:biuld`), shell completion, and usage-error fixes that work.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isolatedEnv, jsonResult, runSindri, STACK_TRACE, sindriBin } from '../helpers/cli.ts';
import { ESCAPE, shellQuote as q, underTerminal } from '../helpers/terminal.ts';

const manifest = JSON.parse(readFileSync(new URL('../../oclif.manifest.json', import.meta.url), 'utf8')) as {
  commands: Record<string, unknown>;
};
const commandIds = Object.keys(manifest.commands);

describe('oclif conventions', () => {
  const cache = mkdtempSync(join(tmpdir(), 'sindri-conventions-'));
  after(() => rmSync(cache, { recursive: true, force: true }));

  it('`sindri help`, `sindri -h` and `sindri help packer build` print help on stdout and exit 0', async () => {
    for (const args of [['help'], ['-h'], ['--help']]) {
      const r = await runSindri(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stdout, /USAGE\s+\$ sindri/);
      assert.match(r.stdout, /packer +Build and manage/);
      assert.equal(r.stderr, '');
    }
    const r = await runSindri(['help', 'packer', 'build']);
    assert.equal(r.code, 0);
    assert.match(r.stdout, /\$ sindri packer build/);
    assert.doesNotMatch(r.stdout, /packer:build/, 'the topic separator is a space');
  });

  it('-h works on every command, like --help', async () => {
    for (const id of commandIds) {
      const words = id.split(':');
      const r = await runSindri([...words, '-h']);
      assert.equal(r.code, 0, `${words.join(' ')} -h: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`\\$ sindri ${words.join(' ')}`));
    }
  });

  it('`sindri version --json` is the envelope with the versions; `sindri version` and --verbose are lines', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const line = `sindri/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`;
    const json = await runSindri(['version', '--json']);
    assert.equal(json.code, 0, json.stderr);
    const result = jsonResult<{ cliVersion: string; nodeVersion: string }>(json.stdout);
    assert.equal(result.cliVersion, `sindri/${pkg.version}`);
    assert.equal(result.nodeVersion, `node-${process.version}`);
    for (const args of [['version'], ['--version'], ['version', '--cloud', 'alibaba']]) {
      const plain = await runSindri(args);
      assert.equal(plain.stdout, line, args.join(' '));
    }
    const verbose = await runSindri(['version', '--verbose']);
    assert.match(verbose.stdout, /^CLI version: sindri\//);
    assert.match(verbose.stdout, /@oclif\/plugin-help/);
  });

  for (const [typed, meant] of [
    ['packer biuld', 'packer build'],
    ['packer bui', 'packer build'],
    ['pakcer list', 'packer list'],
    ['packer doctr', 'packer doctor'],
  ] as const) {
    it(`\`sindri ${typed}\` suggests \`${meant}\` (stderr, exit 2, nothing on stdout)`, async () => {
      const r = await runSindri(typed.split(' '));
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`"${typed}" is not a sindri command`));
      assert.match(r.stderr, new RegExp(`fix: did you mean 'sindri ${meant}'\\?`));
      assert.doesNotMatch(r.stderr, /\w:\w/, 'no colon-separated command IDs');
      assert.doesNotMatch(r.stderr, STACK_TRACE);
    });
  }

  it('an unknown command with --json is one failure envelope on stdout', async () => {
    const r = await runSindri(['packer', 'biuld', '--json']);
    assert.equal(r.code, 2);
    const envelope = JSON.parse(r.stdout);
    assert.equal(envelope.command, 'packer biuld');
    assert.equal(envelope.error.code, 'CommandNotFound');
    assert.ok(envelope.error.actions.some((a: string) => a.includes("'sindri packer build'")));
  });

  it('at a terminal, the standard "Did you mean" question; answering no runs nothing and exits 2', async () => {
    const run = await underTerminal(
      `${q(process.execPath)} ${q(sindriBin)} packer biuld; echo "RC=$?"`,
      { ...isolatedEnv(), TERM: 'xterm' },
      { answers: [{ when: /Did you mean packer build\?/, type: 'n\r' }] },
    );
    const screen = run.screen.replace(ESCAPE, '');
    assert.match(screen, /packer biuld is not a sindri command/);
    assert.match(screen, /Did you mean packer build\?/);
    assert.match(run.screen, /RC=2/, run.screen);
    assert.doesNotMatch(run.screen, /config file not found|Preflight/, 'the build did not start');
  });

  it('at a terminal, answering yes runs the suggested command with the arguments typed', async () => {
    const run = await underTerminal(
      `${q(process.execPath)} ${q(sindriBin)} packer valdate --config missing.yaml; echo "RC=$?"`,
      { ...isolatedEnv(), TERM: 'xterm' },
      { answers: [{ when: /Did you mean packer validate\?/, type: 'y\r' }] },
    );
    const screen = run.screen.replace(ESCAPE, '');
    assert.match(screen, /config file not found: .*missing\.yaml/);
    assert.match(screen, /RC=2/, screen);
  });

  it('the fix of a usage error names a help command that works', async () => {
    const r = await runSindri(['packer', 'list', '--no-such-flag']);
    assert.equal(r.code, 2);
    const fix = /fix: see '(sindri [^']+)'/.exec(r.stderr)?.[1];
    assert.equal(fix, 'sindri packer list --help');
    assert.doesNotMatch(r.stderr, /See more help with --help/);
    const help = await runSindri(fix.split(' ').slice(1));
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--all-regions/);
  });

  it('bash completion completes commands and flags (with spaces between words)', async () => {
    const env = isolatedEnv({ XDG_CACHE_HOME: cache, HOME: cache });
    const made = await runSindri(['autocomplete', 'bash'], { env });
    assert.equal(made.code, 0, made.stderr);
    const setup = (await runSindri(['autocomplete', 'script', 'bash'], { env })).stdout.trim();
    assert.match(setup, /SINDRI_AC_BASH_SETUP_PATH=/);
    const complete = (words: string[]) =>
      execFileSync(
        'bash',
        [
          '-c',
          `${setup}\nCOMP_WORDS=(${words.map(q).join(' ')}); COMP_CWORD=${words.length - 1}; _sindri_autocomplete; echo "\${COMPREPLY[*]}"`,
        ],
        { encoding: 'utf8' },
      ).trim();
    assert.equal(complete(['sindri', 'packer', 'bu']), 'build');
    assert.equal(complete(['sindri', 'packer', 'list', '--all']), '--all-regions');
    assert.ok(complete(['sindri', 'pa']).split(' ').includes('packer'));
  });

  it('zsh and powershell completion scripts name every command', async () => {
    const env = isolatedEnv({ XDG_CACHE_HOME: cache, HOME: cache });
    for (const shell of ['zsh', 'powershell']) {
      const r = await runSindri(['autocomplete', shell], { env });
      assert.equal(r.code, 0, r.stderr);
    }
    const zsh = readFileSync(join(cache, 'sindri/autocomplete/functions/zsh/_sindri'), 'utf8');
    const ps = readFileSync(join(cache, 'sindri/autocomplete/functions/powershell/sindri.ps1'), 'utf8');
    for (const id of commandIds) {
      const last = id.split(':').pop() as string;
      assert.match(zsh, new RegExp(`\\b${last}\\b`), `zsh: ${id}`);
      assert.match(ps, new RegExp(`\\b${last}\\b`), `powershell: ${id}`);
    }
  });
});
