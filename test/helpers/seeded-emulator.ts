import { rmSync } from 'node:fs';
import { after, before } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { seedImage, sindriTags } from '../lifecycle/helpers.ts';
import { emulatorEnv } from './cloud-env.ts';

/**
 * An emulator for one test file, started before its tests with three sindri images in cn-hangzhou
 * (`<name>-0`…, build IDs `<buildId>0`…), and the environment of a sindri process against it, each
 * with a fresh HOME; the emulator stops and the HOMEs go after the file's tests.
 */
export function seededEmulator(name: string, buildId: string) {
  let emu: Emulator | undefined;
  const homes: string[] = [];
  before(async () => {
    emu = await startEmulator();
    for (let i = 0; i < 3; i++)
      seedImage(emu, { region: 'cn-hangzhou', name: `${name}-${i}`, tags: sindriTags(`${buildId}${i}`) });
  });
  after(async () => {
    await emu?.stop();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });
  const started = (): Emulator => {
    if (!emu) throw new Error('seededEmulator: the emulator is not started yet (use it inside a test)');
    return emu;
  };
  return {
    get emu(): Emulator {
      return started();
    },
    cloudEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
      const env = { ...emulatorEnv(started().url), ...extra };
      homes.push(env.HOME as string);
      return env;
    },
  };
}
