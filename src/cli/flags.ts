/**
 * The flags more than one command takes, each declared once: `--config`, and the flags that set a
 * sindri.yaml key (`--region` among them), made from the settings table (src/config/settings.ts).
 */
import { Flags } from '@oclif/core';
import {
  type ConfigOverrides,
  FLAG_SETTINGS,
  type FlagKind,
  type FlagName,
  type SettingFlag,
} from '../config/settings.ts';

function configFileFlag(whenOmitted: string) {
  return Flags.string({ char: 'c', description: `Path to the config file [default: ${whenOmitted}]` });
}

/** `--config` of the commands that need the file: without it, ./sindri.yaml must exist. */
export const configFlag = configFileFlag('./sindri.yaml');
/** `--config` of the commands that also work without a file: ./sindri.yaml is read when it exists. */
export const optionalConfigFlag = configFileFlag('./sindri.yaml if present');

const stringFlag = (description: string) => Flags.string({ description });
const integerFlag = (description: string) => Flags.integer({ description });
const booleanFlag = (description: string) => Flags.boolean({ description, allowNo: true });
const MAKE_FLAG = { string: stringFlag, list: stringFlag, integer: integerFlag, boolean: booleanFlag };

type FlagSetting = (typeof FLAG_SETTINGS)[number];
type MadeFlag<K extends FlagKind> = ReturnType<(typeof MAKE_FLAG)[K]>;
type SettingFlags = { [S in FlagSetting as S['flag']['name']]: MadeFlag<S['flag']['kind']> };

/** "Build instance type (providers.packer.alibaba.instance_type)", then the fallback if there is one. */
function settingFlagHelp(flag: SettingFlag, key: string): string {
  return `${flag.summary} (${key})${flag.fallback ? ` [default: ${flag.fallback}]` : ''}`;
}

/** The flags that override sindri.yaml keys (flags > file > environment > defaults), in table order. */
export const settingFlags = Object.fromEntries(
  FLAG_SETTINGS.map(({ key, flag }) => [flag.name, MAKE_FLAG[flag.kind](settingFlagHelp(flag, key))]),
) as SettingFlags;

/** `--region`: every command that works in one region takes this one. */
export const regionFlag = settingFlags.region;

/** `--region`, repeatable: the registry's commands look in every region (DescribeRegions) without it. */
export const regionsFlag = Flags.string({
  description: 'Only this region (repeatable) [default: every region, from DescribeRegions]',
  multiple: true,
});

/** `--config`, repeatable or a pattern: the configurations of a fleet (`sindri packer ci github`). */
export const configFilesFlag = Flags.string({
  char: 'c',
  description:
    'Path to the config file, repeatable, or a quoted pattern (images/*.yaml) [default: ./sindri.yaml]',
  multiple: true,
});

/** `--concurrency` of the commands that call many regions at once. */
export const concurrencyFlag = Flags.integer({
  description: 'Most API calls in flight at once',
  default: 8,
  min: 1,
  max: 64,
});

/** The setting flags as the command line parsed them (a list still one comma-separated string). */
export type SettingFlagValues = { [N in FlagName]?: string | number | boolean | undefined };

export function overridesFromFlags(flags: SettingFlagValues): ConfigOverrides {
  const overrides: Partial<Record<FlagName, unknown>> = {};
  for (const { flag } of FLAG_SETTINGS) {
    const value = flags[flag.name];
    if (value === undefined) continue;
    overrides[flag.name] =
      flag.kind === 'list'
        ? String(value)
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item.length > 0)
        : value;
  }
  return overrides as ConfigOverrides;
}
