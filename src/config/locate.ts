import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const DEFAULT_CONFIG_FILE = 'sindri.yaml';

/** Whether there is a configuration to read: `--config` was given, or ./sindri.yaml exists. */
export function hasConfigFile(configPath: string | undefined, cwd: string): boolean {
  return configPath !== undefined || existsSync(resolve(cwd, DEFAULT_CONFIG_FILE));
}
