import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  compareVersions,
  findPacker,
  packerSupportsRequiredPlugins,
  parsePackerVersion,
} from '../../src/packer/binary.ts';
import { withTempDir } from '../render/fixtures.ts';

describe('packer binary', () => {
  it('parses version output of old and new packer', () => {
    assert.equal(parsePackerVersion('Packer v1.6.6\n'), '1.6.6');
    assert.equal(parsePackerVersion('Packer v1.11.2\n\nYour version of Packer is out of date!'), '1.11.2');
    assert.equal(parsePackerVersion('1.9.4'), '1.9.4');
    assert.equal(parsePackerVersion('no version here'), undefined);
  });

  it('knows which packer takes required_plugins', () => {
    assert.equal(packerSupportsRequiredPlugins('1.6.6'), false);
    assert.equal(packerSupportsRequiredPlugins('1.7.0'), true);
    assert.equal(packerSupportsRequiredPlugins('1.11.2'), true);
    assert.equal(compareVersions('1.10.0', '1.9.9'), 1);
  });

  it('finds the real packer and its version', async () => {
    const found = await findPacker({ PATH: '/usr/local/bin:/usr/bin:/bin' });
    assert.ok(found);
    assert.match(found.version, /^\d+\.\d+\.\d+$/);
  });

  it('returns undefined when packer is not on PATH', async () => {
    await withTempDir(async (dir) => {
      assert.equal(await findPacker({ PATH: dir }), undefined);
    });
  });

  it('uses SINDRI_PACKER and reads the version from it', async () => {
    await withTempDir(async (dir) => {
      const fake = join(dir, 'packer');
      await writeFile(fake, '#!/bin/sh\necho "Packer v1.9.4"\n');
      await chmod(fake, 0o755);
      assert.deepEqual(await findPacker({ PATH: '', SINDRI_PACKER: fake }), { path: fake, version: '1.9.4' });
      assert.deepEqual(await findPacker({ PATH: dir }), { path: fake, version: '1.9.4' });
    });
  });
});
