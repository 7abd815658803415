/**
 * scripts/05-mirrors.sh and scripts/85-mirrors-restore.sh run for real in a sandbox instance (a
 * Debian root filesystem): the sources files point at the mirror, each repository at its own archive
 * (or left alone where a custom mirror has none), pip and npm get their files, and restore puts every
 * file back byte for byte and removes the ones it made.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { mirrorEnvironment } from '../../src/render/mirrors.ts';
import { templatesDir } from '../../src/util/paths.ts';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { launchFromImage } from '../helpers/sandbox.ts';

const script = (name: string) => readFileSync(join(templatesDir, 'scripts', name), 'utf8');
const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/** Runs a template script with the environment a build gives it. */
function withEnv(env: string[], name: string): string {
  const exports = env.map(
    (e) => `export ${e.slice(0, e.indexOf('='))}=${quote(e.slice(e.indexOf('=') + 1))}`,
  );
  return `${exports.join('\n')}\nbash -c ${quote(script(name))}`;
}

describe('the mirror scripts in a sandbox instance', () => {
  let emu: Emulator;
  let instanceId: string;
  const sh = async (command: string) => {
    assert.ok(emu.sandbox);
    const r = await emu.sandbox.run({ instanceId }, command);
    assert.equal(r.exitCode, 0, `${command.slice(0, 200)}\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  let original = '';

  before(async () => {
    emu = await startEmulator({ instances: 'sandbox' });
    instanceId = (await launchFromImage(emu, 'debian_12_6_x64_20G_alibase_20240823.vhd')).instanceId;
    original = await sh('cat /etc/apt/sources.list');
    assert.match(original, /deb\.debian\.org/);
  });
  after(() => emu.stop());

  test('aliyun-intranet: every Debian repository on mirrors.cloud.aliyuncs.com, pip and npm too; restore undoes it', async () => {
    const env = mirrorEnvironment({ mirrors: 'aliyun-intranet', mirrors_in_image: 'restore' });
    const out = await sh(withEnv(env, '05-mirrors.sh'));
    assert.match(out, /package mirrors \(aliyun-intranet\) in 3 files/);
    const sources = await sh('cat /etc/apt/sources.list');
    assert.equal(
      sources,
      original
        .replaceAll(
          'http://deb.debian.org/debian-security',
          'http://mirrors.cloud.aliyuncs.com/debian-security',
        )
        .replaceAll(
          'http://security.debian.org/debian-security',
          'http://mirrors.cloud.aliyuncs.com/debian-security',
        )
        .replaceAll('http://deb.debian.org/debian ', 'http://mirrors.cloud.aliyuncs.com/debian '),
    );
    assert.match(
      await sh('cat /etc/pip.conf'),
      /index-url = http:\/\/mirrors\.cloud\.aliyuncs\.com\/pypi\/simple\//,
    );
    assert.match(
      await sh('cat /etc/profile.d/sindri-mirrors.sh'),
      /npm_config_registry=https:\/\/registry\.npmmirror\.com/,
    );
    // Run twice (a build from an image that kept them): nothing is saved over the originals.
    await sh(withEnv(env, '05-mirrors.sh'));
    const restored = await sh(withEnv(env, '85-mirrors-restore.sh'));
    assert.match(restored, /restored the image's own package sources \(3 files\)/);
    assert.equal(await sh('cat /etc/apt/sources.list'), original);
    await sh(
      '! test -e /etc/pip.conf && ! test -e /etc/profile.d/sindri-mirrors.sh && ! test -e /var/lib/sindri',
    );
  });

  test('a custom apt mirror without {distro} replaces the main archive and leaves the security one alone', async () => {
    const env = mirrorEnvironment({
      mirrors: { apt: 'http://apt.example.com/debian' },
      mirrors_in_image: 'keep',
    });
    await sh(withEnv(env, '05-mirrors.sh'));
    const sources = await sh('cat /etc/apt/sources.list');
    assert.match(sources, /^deb http:\/\/apt\.example\.com\/debian \w+ main/m);
    assert.match(sources, /security\.debian\.org\/debian-security|deb\.debian\.org\/debian-security/);
    assert.doesNotMatch(sources, /deb\.debian\.org\/debian /);
    // keep: the saved originals stay, so a later restore still finds them.
    await sh(withEnv(env, '85-mirrors-restore.sh'));
    assert.equal(await sh('cat /etc/apt/sources.list'), original);
  });

  test('none: nothing is touched', async () => {
    const out = await sh(
      withEnv(mirrorEnvironment({ mirrors: 'none', mirrors_in_image: 'restore' }), '05-mirrors.sh'),
    );
    assert.match(out, /no package mirrors/);
    assert.equal(await sh('cat /etc/apt/sources.list'), original);
    assert.match(await sh(withEnv([], '85-mirrors-restore.sh')), /no package mirrors to restore/);
  });
});
