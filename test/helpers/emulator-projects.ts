/**
 * The set-up of CLI tests against one emulator: it starts before the suite's tests and stops after
 * them, with the environment a sindri process needs and project directories removed at the end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { type Emulator, type EmulatorOptions, startEmulator } from '../emulator/index.ts';
import { emulatorEnv } from './cloud-env.ts';

export interface EmulatorProjects {
  readonly emu: Emulator;
  readonly env: NodeJS.ProcessEnv;
  /** A fresh project directory. */
  workdir(prefix?: string): string;
}

/** Call at the top of a `describe`: registers its before and after hooks. */
export function emulatorProjects(options: EmulatorOptions = {}): EmulatorProjects {
  let emu: Emulator | undefined;
  let env: NodeJS.ProcessEnv | undefined;
  const dirs: string[] = [];
  before(async () => {
    emu = await startEmulator(options);
    env = emulatorEnv(emu.url);
  });
  after(async () => {
    await emu?.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    if (env?.HOME) rmSync(env.HOME, { recursive: true, force: true });
  });
  return {
    get emu() {
      if (!emu) throw new Error('the emulator has not started');
      return emu;
    },
    get env() {
      if (!env) throw new Error('the emulator has not started');
      return env;
    },
    workdir(prefix = 'sindri-project-') {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
  };
}

/** The temporary resources alive in the emulator, as `kind ID`, sorted: what a leak check compares. */
export function liveTemporary(emu: Emulator): string[] {
  const l = emu.admin.liveResources();
  return [
    ...l.instances.map((r) => `instance ${r.id}`),
    ...l.eips.map((r) => `eip ${r.id}`),
    ...l.securityGroups.map((r) => `security-group ${r.id}`),
    ...l.vswitches.map((r) => `vswitch ${r.id}`),
    ...l.vpcs.map((r) => `vpc ${r.id}`),
    ...l.keyPairs.map((r) => `key-pair ${r.id}`),
  ].sort();
}

/**
 * Writes `dir/sindri.yaml` for a build in cn-hangzhou without the cache: `top` lines go between
 * `name` and `providers`, `build` and `alibaba` lines under their keys (already indented).
 */
export function writeProject(
  dir: string,
  name: string,
  lines: { top?: string[]; build?: string[]; alibaba?: string[] },
): void {
  writeFileSync(
    join(dir, 'sindri.yaml'),
    [
      'version: "1.0"',
      `name: ${name}`,
      ...(lines.top ?? []),
      'providers:',
      '  packer:',
      '    cloud: alibaba',
      `    image_name: ${name}`,
      '    build:',
      '      cache: false',
      ...(lines.build ?? []),
      '    alibaba:',
      '      region: cn-hangzhou',
      ...(lines.alibaba ?? []),
      '',
    ].join('\n'),
  );
}
