/**
 * sindri under a real pseudo-terminal (script(1)): the live display draws on stderr only, stdout
 * carries the one JSON document whatever it is connected to, and a closed pipe stops nothing.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { assertEnvelope, repoRoot, sindriBin } from '../helpers/cli.ts';
import { emulatorEnv } from '../helpers/cloud-env.ts';
import { ESCAPE, shellQuote as q, underTerminal } from '../helpers/terminal.ts';

describe('under a pseudo-terminal', () => {
  let emu: Emulator;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  let name = 0;
  before(async () => {
    emu = await startEmulator();
    env = { ...emulatorEnv(emu.url), TERM: 'xterm-256color' };
    delete env.CI;
    dir = mkdtempSync(join(tmpdir(), 'sindri-tty-'));
  });
  after(async () => {
    await emu.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(env.HOME as string, { recursive: true, force: true });
  });

  function config(): string {
    const file = join(dir, `sindri-${++name}.yaml`);
    writeFileSync(
      file,
      [
        'version: "1.0"',
        'name: terminal',
        'extensions:',
        '  profile: minimal',
        'providers:',
        '  packer:',
        '    cloud: alibaba',
        `    image_name: terminal-${name}`,
        '    build:',
        `      ssh_port: ${emu.sshPort}`,
        '    alibaba:',
        '      region: cn-hangzhou',
        '',
      ].join('\n'),
    );
    return file;
  }

  const sindri = (args: string) => `${q(process.execPath)} ${q(sindriBin)} ${args}`;

  for (const [how, redirect] of [
    ['a pipe', '| cat >'],
    ['a file', '>'],
  ] as const) {
    it(`build --json with stderr a terminal and stdout ${how}: stdout is one envelope, the display draws on the terminal`, async () => {
      const out = join(dir, `out-${name + 1}.json`);
      const r = await underTerminal(
        `${sindri(`packer build --json --config ${q(config())}`)} ${redirect} ${q(out)}; echo "RC=$?"`,
        env,
      );
      assert.match(r.screen, /RC=0/, r.screen);
      const envelope = assertEnvelope(readFileSync(out, 'utf8'));
      assert.equal(envelope.status, 0);
      assert.match(r.screen, /Provisioning/, 'the live display drew on the terminal');
      assert.doesNotMatch(
        readFileSync(out, 'utf8'),
        new RegExp(`Provisioning|${ESCAPE.source}`),
        'and nothing of it reached stdout',
      );
    });
  }

  it('build --json | head -c 10: the build still finishes (nothing left behind) and exits 0', async () => {
    const file = config();
    const r = await underTerminal(
      `${sindri(`packer build --json --config ${q(file)}`)} | head -c 10 >/dev/null; echo "RC=\${PIPESTATUS[0]}"`,
      {
        ...env,
        SHELL: '/bin/bash',
      },
    );
    assert.match(r.screen, /RC=0/, r.screen);
    assert.equal(emu.admin.liveResources().instances.length, 0);
  });

  it('a closed stderr pipe (build 2>&1 | head -3) does not stop the build: it finishes and exits 0', async () => {
    const file = config();
    const before = emu.admin.requestLog({ action: 'CreateImage' }).length;
    const r = await underTerminal(
      `bash -c ${q(`${sindri(`packer build --config ${q(file)}`)} 2>&1 | head -3 >/dev/null; echo "RC=\${PIPESTATUS[0]}"`)}`,
      env,
    );
    assert.match(r.screen, /RC=0/, r.screen);
    assert.equal(emu.admin.requestLog({ action: 'CreateImage' }).length, before + 1, 'the image was made');
    const live = emu.admin.liveResources();
    assert.deepEqual([live.instances, live.eips, live.securityGroups, live.vpcs, live.keyPairs].flat(), []);
  });

  it('a zero-width terminal gets plain lines, not a display drawn one character per line', async () => {
    const r = await underTerminal(`${sindri(`packer build --config ${q(config())}`)}; echo "RC=$?"`, env, {
      cols: 0,
    });
    assert.match(r.screen, /RC=0/, r.screen);
    assert.match(r.screen, /\] provision +step 1\//, 'timestamped plain progress lines');
    assert.ok(
      r.screen.split('\n').filter((l) => l.replace(ESCAPE, '').replace(/\s/g, '').length === 1).length < 5,
      'no column of single characters',
    );
  });

  it('npm run demo succeeds with its stderr on a terminal', async () => {
    const r = await underTerminal(
      `cd ${q(repoRoot)} && ${q(process.execPath)} scripts/demo.ts >/dev/null; echo "RC=$?"`,
      {
        ...env,
        PATH: `${join(repoRoot, 'node_modules', '.bin')}:${env.PATH}`,
      },
    );
    assert.match(r.screen, /RC=0/, r.screen.slice(-2000));
  });
});
