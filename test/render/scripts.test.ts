import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { templatesDir } from '../../src/util/paths.ts';

const run = promisify(execFile);
const scriptsDir = join(templatesDir, 'scripts');

async function allScripts(dir = scriptsDir): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await allScripts(p)));
    else if (e.name.endsWith('.sh')) out.push(p);
  }
  return out.sort();
}

describe('provisioning scripts', () => {
  it('are shellcheck-clean', async () => {
    const scripts = await allScripts();
    assert.ok(scripts.length >= 14);
    const r = await run('shellcheck', ['--shell=bash', '--severity=style', '--format=gcc', ...scripts]).catch(
      (err: { stdout?: string; code?: number }) => ({ stdout: err.stdout ?? String(err), code: err.code }),
    );
    assert.equal(r.stdout, '', r.stdout);
  });

  it('start with a bash shebang and set -euo pipefail', async () => {
    for (const path of await allScripts()) {
      const text = await readFile(path, 'utf8');
      assert.ok(text.startsWith('#!/usr/bin/env bash\n'), relative(scriptsDir, path));
      assert.match(text, /^set -euo pipefail$/m, relative(scriptsDir, path));
    }
  });

  it('exist for every extension in the catalogue, and each verifies itself', async () => {
    const catalogue = parse(await readFile(join(templatesDir, 'catalogue.yaml'), 'utf8')) as {
      extensions: Record<string, unknown>;
      profiles: Record<string, string[]>;
    };
    for (const required of [
      'docker',
      'node',
      'python',
      'golang',
      'rust',
      'java',
      'kubernetes',
      'monitoring',
    ]) {
      assert.ok(required in catalogue.extensions, required);
    }
    for (const required of ['minimal', 'fullstack', 'devops'])
      assert.ok(required in catalogue.profiles, required);
    for (const [profile, list] of Object.entries(catalogue.profiles)) {
      for (const ext of list) assert.ok(ext in catalogue.extensions, `${profile} → ${ext}`);
    }
    for (const name of Object.keys(catalogue.extensions)) {
      const text = await readFile(join(scriptsDir, 'extensions', `${name}.sh`), 'utf8');
      assert.match(text, /^# Verify/m, `${name}.sh has a verification step`);
    }
  });

  it('never restart or reload sshd during the build', async () => {
    for (const path of await allScripts()) {
      const text = await readFile(path, 'utf8').then((t) => t.replace(/^\s*#.*$/gm, ''));
      assert.doesNotMatch(
        text,
        /systemctl\s+(restart|reload|stop)\s+(ssh|sshd)\b|service\s+ssh\S*\s+(restart|reload)/,
        relative(scriptsDir, path),
      );
    }
  });

  it('keep key-only root login when the build logs in as root', async () => {
    const text = await readFile(join(scriptsDir, '80-cis-hardening.sh'), 'utf8');
    assert.match(text, /root_login="prohibit-password"/);
    assert.match(text, /sshd -t/);
  });
});
