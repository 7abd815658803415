/** An old Node.js gets one clear line and exit 2 before anything of the CLI loads. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { STACK_TRACE, sindriBin } from '../helpers/cli.ts';

/** Runs bin/run.js as if on Node.js `version` (the version is all the check reads). */
function runOn(version: string, args: string[]) {
  const script = `Object.defineProperty(process.versions, 'node', { value: ${JSON.stringify(version)} }); process.argv.push(${JSON.stringify(sindriBin)}, ...${JSON.stringify(args)}); await import(${JSON.stringify(pathToFileURL(sindriBin).href)});`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
}

test('Node.js older than 22.13 is refused with one line naming both versions, exit 2', () => {
  for (const version of ['20.20.2', '18.0.0', '22.12.0']) {
    const r = runOn(version, ['packer', 'list']);
    assert.equal(r.status, 2, version);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`needs Node\\.js >= 22\\.13, this is ${version.replace(/\./g, '\\.')}; install`),
    );
    assert.doesNotMatch(r.stderr, STACK_TRACE);
  }
});

test('Node.js 22.13 and later run it', () => {
  for (const version of ['22.13.0', '24.21.0', '26.0.0']) {
    const r = runOn(version, ['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^sindri\/\d+\.\d+\.\d+ /);
  }
});
