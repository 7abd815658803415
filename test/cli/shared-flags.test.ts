/** Every command takes --config, --region and the setting flags from their one declaration (src/cli/flags.ts). */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { configFlag, optionalConfigFlag, regionFlag, settingFlags } from '../../src/cli/flags.ts';
import { repoRoot } from '../helpers/cli.ts';

interface FlagLike {
  char?: string;
  description?: string;
}

const commandsDir = join(repoRoot, 'src', 'commands');
const files = readdirSync(commandsDir, { recursive: true, encoding: 'utf8' }).filter((f) =>
  f.endsWith('.ts'),
);
const commands = await Promise.all(
  files.map(async (file) => {
    const mod = (await import(pathToFileURL(join(commandsDir, file)).href)) as {
      default: { flags?: Record<string, FlagLike> };
    };
    return { name: relative(commandsDir, join(commandsDir, file)), flags: mod.default.flags ?? {} };
  }),
);

describe('shared flags', () => {
  it('finds the commands', () => {
    assert.ok(commands.length >= 11, String(commands.length));
  });

  for (const { name, flags } of commands) {
    it(`${name}: --config and --region are the shared ones`, () => {
      if (flags.config)
        assert.ok(flags.config === configFlag || flags.config === optionalConfigFlag, '--config');
      if (flags.region) {
        assert.equal(flags.region.description, regionFlag.description);
        assert.equal(flags.region.char, regionFlag.char);
      }
    });
  }

  it('every command that sets keys from flags takes all of them, as declared', () => {
    const setters = commands.filter(({ flags }) => flags['instance-type'] === settingFlags['instance-type']);
    assert.deepEqual(setters.map((c) => c.name).sort(), [
      'packer/build.ts',
      'packer/config.ts',
      'packer/doctor.ts',
      'packer/template.ts',
      'packer/validate.ts',
    ]);
    for (const { name, flags } of setters)
      for (const [flag, declared] of Object.entries(settingFlags))
        assert.equal(flags[flag], declared, `${name} --${flag}`);
  });
});
