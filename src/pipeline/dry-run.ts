/** `sindri packer build --dry-run`: the template renders and passes the real `packer validate`; nothing is built. */
import { ConfigError } from '../config/errors.ts';
import type { LoadedConfig } from '../config/load.ts';
import type { PackerBinary } from '../packer/binary.ts';
import { checkRenderedTemplate } from './check-template.ts';

export interface DryRunResult {
  dryRun: true;
  valid: true;
  configHash: string;
}

export async function dryRun(
  loaded: LoadedConfig,
  packer: PackerBinary,
  sindriVersion: string,
): Promise<DryRunResult> {
  const check = await checkRenderedTemplate(loaded, packer, { syntaxOnly: false, sindriVersion });
  if (check.problems.length > 0) throw new ConfigError(check.problems);
  return { dryRun: true, valid: true, configHash: check.configHash };
}
