/** One emulator, its environment and a scratch directory for a describe block, stopped and removed after it. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type Emulator, startEmulator } from '../emulator/index.ts';
import { emulatorEnv } from './cloud-env.ts';

export interface EmulatorDir {
  emu: Emulator;
  env: NodeJS.ProcessEnv;
  dir: string;
}

/** Call inside describe(); the fields are set once `before` ran. `files` are written into the directory. */
export function useEmulatorDir(prefix: string, files: Record<string, string> = {}): EmulatorDir {
  const box = {} as EmulatorDir;
  before(async () => {
    box.emu = await startEmulator();
    box.env = emulatorEnv(box.emu.url);
    box.dir = mkdtempSync(join(tmpdir(), `sindri-${prefix}-`));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(box.dir, name), text);
  });
  after(async () => {
    await box.emu.stop();
    rmSync(box.dir, { recursive: true, force: true });
    rmSync(box.env.HOME as string, { recursive: true, force: true });
  });
  return box;
}
