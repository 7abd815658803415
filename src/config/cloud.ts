/** `--cloud`, checked by every command before anything heavy loads. */
import { ConfigError } from './errors.ts';
import { didYouMean } from './suggest.ts';

export const SUPPORTED_CLOUDS = ['alibaba'] as const;

/** `--cloud`: only alibaba. Any other value is a usage error (exit 2) naming the supported clouds. */
export function checkCloud(cloud: string | undefined): void {
  if (cloud === undefined || (SUPPORTED_CLOUDS as readonly string[]).includes(cloud)) return;
  const guess = didYouMean(cloud, SUPPORTED_CLOUDS);
  throw new ConfigError([
    {
      file: '--cloud',
      path: 'providers.packer.cloud',
      message: `unsupported cloud "${cloud}"; supported clouds: ${SUPPORTED_CLOUDS.join(', ')}`,
      hint: guess ? `did you mean "${guess}"?` : `use --cloud ${SUPPORTED_CLOUDS[0]}`,
    },
  ]);
}
