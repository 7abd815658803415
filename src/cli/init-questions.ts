/**
 * The questions of `sindri init` (@inquirer/prompts, drawn on stderr so that stdout stays the
 * command's), or, when nothing may be asked, the flags and defaults checked against the account.
 */
import { catalogueNames } from '../config/catalogue.ts';
import { INIT_DEFAULTS, type InitAnswers, imageNameFrom } from '../config/init-file.ts';
import { didYouMean } from '../config/suggest.ts';
import { InterruptedError, UsageError } from '../errors.ts';
import type { AccountChoices } from '../lifecycle/init.ts';

export interface AnswerInput {
  flags: {
    name?: string | undefined;
    profile?: string | undefined;
    region?: string | undefined;
    zone?: string | undefined;
    instanceType?: string | undefined;
    diskSize?: number | undefined;
  };
  defaultName: string;
  envRegion?: string | undefined;
  choices?: AccountChoices | undefined;
  interactive: boolean;
}

const ANY_ZONE = '';
/** The schema's image names (without its reserved prefixes, which the schema still checks). */
const IMAGE_NAME = /^[A-Za-z][A-Za-z0-9._:-]{1,127}$/;

function mustBeOneOf(flag: string, value: string, allowed: readonly string[], what: string): void {
  if (allowed.includes(value)) return;
  const guess = didYouMean(value, allowed);
  const some = allowed.length > 12 ? `${allowed.slice(0, 12).join(', ')}, …` : allowed.join(', ');
  throw new UsageError(
    `--${flag} ${value}: ${what} (${allowed.length}: ${some})`,
    guess ? `did you mean ${guess}?` : `choose one of them`,
  );
}

/** The instance type offered first: the default when on sale, else the first general-purpose xlarge. */
function preferredType(types: readonly string[]): string {
  if (types.length === 0 || types.includes(INIT_DEFAULTS.instanceType)) return INIT_DEFAULTS.instanceType;
  return (
    types.find((t) => /^ecs\.g\d+\w*\.xlarge$/.test(t)) ??
    types.find((t) => /\.xlarge$/.test(t)) ??
    types[0] ??
    INIT_DEFAULTS.instanceType
  );
}

export async function resolveAnswers(input: AnswerInput): Promise<InitAnswers> {
  const { flags, choices } = input;
  const profiles = catalogueNames().profiles;
  if (flags.profile !== undefined)
    mustBeOneOf('profile', flags.profile, profiles, 'not an extension profile');
  if (flags.name !== undefined && !IMAGE_NAME.test(flags.name))
    throw new UsageError(
      `--name ${flags.name}: an image name is 2-128 letters, digits, ".", "_", ":" and "-", starting with a letter`,
      `for example --name ${imageNameFrom(flags.name)}`,
    );
  const regions = choices ? (await choices.regions()).map((r) => r.id) : undefined;
  const regionDefault =
    flags.region ??
    (input.envRegion && (!regions || regions.includes(input.envRegion))
      ? input.envRegion
      : INIT_DEFAULTS.region);
  if (flags.region !== undefined && regions)
    mustBeOneOf('region', flags.region, regions, 'not a region of this account');
  if (!input.interactive) {
    const region = regionDefault;
    if (flags.zone !== undefined && choices)
      mustBeOneOf('zone', flags.zone, await choices.zones(region), `not a zone of ${region}`);
    const types = choices ? await choices.instanceTypes(region, flags.zone) : [];
    if (flags.instanceType !== undefined && choices)
      mustBeOneOf(
        'instance-type',
        flags.instanceType,
        types,
        `not on sale in ${flags.zone ?? region} (pay-as-you-go)`,
      );
    return {
      name: flags.name ?? input.defaultName,
      profile: flags.profile ?? INIT_DEFAULTS.profile,
      region,
      zoneId: flags.zone,
      instanceType: flags.instanceType ?? preferredType(types),
      diskSizeGb: flags.diskSize ?? INIT_DEFAULTS.diskSizeGb,
    };
  }
  try {
    return await ask(input, profiles, regionDefault);
  } catch (err) {
    if ((err as Error).name === 'ExitPromptError')
      throw new InterruptedError('Stopped: nothing was written.', 'run sindri init again');
    throw err;
  }
}

async function ask(
  input: AnswerInput,
  profiles: readonly string[],
  regionDefault: string,
): Promise<InitAnswers> {
  const { input: text, select, search, number } = await import('@inquirer/prompts');
  const { flags, choices } = input;
  const ctx = { output: process.stderr };
  const name =
    flags.name ??
    (await text(
      {
        message: 'Image name',
        default: input.defaultName,
        validate: (v) =>
          IMAGE_NAME.test(v) || `2-128 letters, digits, ".", "_", ":" and "-", e.g. ${imageNameFrom(v)}`,
      },
      ctx,
    ));
  const profile =
    flags.profile ??
    (await select(
      {
        message: 'Extension profile',
        default: INIT_DEFAULTS.profile,
        choices: profiles.map((p) => ({
          name: p,
          value: p,
          description: catalogueNames().members[p]?.join(', '),
        })),
      },
      ctx,
    ));
  let region = flags.region;
  if (region === undefined) {
    if (choices) {
      const all = await choices.regions();
      region = await search(
        {
          message: `Region (type to filter; ${all.length} in this account)`,
          source: (term) => {
            const t = (term ?? '').toLowerCase();
            const found = all.filter((r) => t === '' || r.id.includes(t) || r.name.toLowerCase().includes(t));
            // The default first while nothing is typed.
            found.sort((a, b) => Number(b.id === regionDefault) - Number(a.id === regionDefault));
            return found.map((r) => ({ name: `${r.id}  ${r.name}`, value: r.id }));
          },
        },
        ctx,
      );
    } else {
      region = await text(
        {
          message: 'Region',
          default: regionDefault,
          validate: (v) => /^[a-z]{2,4}(?:-[a-z0-9]+)+$/.test(v) || 'a region ID such as cn-hangzhou',
        },
        ctx,
      );
    }
  }
  let zoneId = flags.zone;
  if (zoneId === undefined && choices) {
    const zones = await choices.zones(region);
    const picked = await select(
      {
        message: 'Zone of the build instance',
        default: ANY_ZONE,
        choices: [
          { name: 'any (the builder chooses)', value: ANY_ZONE },
          ...zones.map((z) => ({ name: z, value: z })),
        ],
      },
      ctx,
    );
    zoneId = picked === ANY_ZONE ? undefined : picked;
  }
  let instanceType = flags.instanceType;
  if (instanceType === undefined) {
    if (choices) {
      const types = await choices.instanceTypes(region, zoneId);
      const first = preferredType(types);
      instanceType = await search(
        {
          message: `Build instance type (type to filter; ${types.length} on sale in ${zoneId ?? region})`,
          source: (term) => {
            const t = (term ?? '').toLowerCase();
            const found = types.filter((x) => t === '' || x.includes(t));
            found.sort((a, b) => Number(b === first) - Number(a === first));
            return found.map((x) => ({ name: x, value: x }));
          },
        },
        ctx,
      );
    } else {
      instanceType = await text(
        {
          message: 'Build instance type',
          default: INIT_DEFAULTS.instanceType,
          validate: (v) =>
            /^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/.test(v) || 'an instance type such as ecs.g6.xlarge',
        },
        ctx,
      );
    }
  }
  const diskSizeGb =
    flags.diskSize ??
    (await number(
      {
        message: 'System disk size (GiB)',
        default: INIT_DEFAULTS.diskSizeGb,
        min: 20,
        max: 2048,
        required: true,
      },
      ctx,
    )) ??
    INIT_DEFAULTS.diskSizeGb;
  return { name, profile, region, zoneId, instanceType, diskSizeGb };
}
