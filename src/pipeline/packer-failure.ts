/**
 * How a packer run that RAM refused, or whose clean-up failed, is told to the user: which actions
 * to allow and what packer could not delete.
 */
import { deniedActionHint } from '../cloud/errors.ts';
import { SindriError } from '../errors.ts';
import type { SweepOutcome } from '../images/teardown.ts';
import type { ApiRefusal } from '../packer/api-watch.ts';
import { leftoverActions, leftoverLines } from './leftovers.ts';

export interface Refusal extends ApiRefusal {
  /** Refused while packer was cleaning up: the resource it meant to delete is still there. */
  inCleanup: boolean;
}

/** The API actions behind packer's clean-up messages ("Error cleaning up keypair", ...). */
const CLEANUP_ACTIONS: Array<[RegExp, string[]]> = [
  [/key ?pair/i, ['ecs:DetachKeyPair', 'ecs:DeleteKeyPairs']],
  [/eip/i, ['ecs:UnassociateEipAddress', 'ecs:ReleaseEipAddress']],
  [/instance/i, ['ecs:DeleteInstance']],
  [/security group/i, ['ecs:DeleteSecurityGroup']],
  [/vswitch/i, ['ecs:DeleteVSwitch']],
  [/vpc/i, ['ecs:DeleteVpc']],
];

export function cleanupActions(messages: string[]): string[] {
  const actions = new Set<string>();
  for (const m of messages) {
    for (const [pattern, names] of CLEANUP_ACTIONS)
      if (pattern.test(m)) for (const n of names) actions.add(n);
  }
  return actions.size > 0 ? [...actions] : ['the Delete* actions of the resources above'];
}

/** `Forbidden.RAM: RAM refused ecs:X (request ID …)` and the actions, for refused packer calls. */
function refusalSummary(refusals: Refusal[]): { actions: string[]; sentence: string } | undefined {
  if (refusals.length === 0) return undefined;
  const actions = [...new Set(refusals.map((r) => `ecs:${r.action}`))];
  const codes = [...new Set(refusals.map((r) => r.code))].join(', ');
  const ids = [...new Set(refusals.flatMap((r) => (r.requestId ? [r.requestId] : [])))];
  return {
    actions,
    sentence: `${codes}: RAM refused packer's call to ${actions.join(', ')}${ids.length > 0 ? ` (request ID ${ids.join(', ')})` : ''}.`,
  };
}

/** Whether packer's clean-up left something: it reported a failed deletion, or RAM refused one. */
export function packerLeftSome(refusals: readonly Refusal[], cleanupErrors: readonly string[]): boolean {
  return cleanupErrors.length > 0 || refusals.some((r) => r.inCleanup);
}

/** What refused clean-up calls left behind, as a sentence; undefined when there were none. */
export function leftBehind(refusals: Refusal[]): string | undefined {
  const cleanup = refusalSummary(refusals.filter((r) => r.inCleanup));
  return (
    cleanup &&
    `${cleanup.sentence} The resources packer could not delete are still there: delete them by hand.`
  );
}

/** An image that a packer run which then failed had created, and did not delete. */
export interface PackerImage {
  imageId: string;
  name: string;
  region: string;
  /** Tagged ManagedBy=sindri (packer tags an image after creating it). */
  tagged: boolean;
}

/** What a failed packer run left of its image, as a sentence and how to delete it; undefined for none. */
export function imagesLeft(images: readonly PackerImage[]): { sentence: string; fix: string } | undefined {
  const [first] = images;
  if (!first) return undefined;
  const list = images.map((i) => `${i.imageId} (${i.name})`).join(', ');
  const ids = images.map((i) => i.imageId).join(' ');
  // `sindri packer delete` refuses an image without sindri's tags unless --force.
  const force = images.some((i) => !i.tagged) ? ' --force' : '';
  return {
    sentence: `packer created the image ${list} in ${first.region} and did not delete it; its snapshots cost money while it exists.`,
    fix: `delete the image: \`sindri packer delete ${ids} --region ${first.region}${force}\` (as a user allowed ecs:DeleteImage and ecs:DeleteSnapshot)`,
  };
}

/** The build failed because RAM refused one of packer's calls. */
export function refusedError(
  refusals: Refusal[],
  cleanupErrors: string[],
  images: readonly PackerImage[] = [],
): SindriError {
  const during = refusalSummary(refusals.filter((r) => !r.inCleanup));
  const cleanup = refusalSummary(refusals.filter((r) => r.inCleanup));
  const left = leftBehind(refusals);
  const after = left
    ? `While cleaning up, ${left}`
    : cleanupErrors.length > 0
      ? `packer could not delete some temporary resources; delete them by hand:\n    ${cleanupErrors.join('\n    ')}`
      : 'packer deleted the temporary resources it had created.';
  const actions = [...new Set([...(during?.actions ?? []), ...(cleanup?.actions ?? [])])];
  const image = imagesLeft(images);
  return new SindriError(
    `packer build failed. ${during?.sentence} ${after}${image ? `\n  ${image.sentence}` : ''}`,
    {
      actions: [`${deniedActionHint(actions).fix} Then run the build again.`, ...(image ? [image.fix] : [])],
      code: 'Forbidden.RAM',
    },
  );
}

/**
 * The image was built, but packer, or sindri (its own network, the test instance: leftovers.ts), left
 * temporary resources behind.
 */
export function cleanupError(
  refusals: Refusal[],
  cleanupErrors: string[],
  leftovers: readonly SweepOutcome[] = [],
  words: { done: string; made: string } = { done: 'the image was built', made: 'for the build' },
): SindriError | undefined {
  const byPacker = packerLeftSome(refusals, cleanupErrors);
  if (!byPacker && leftovers.length === 0) return undefined;
  const parts: string[] = [];
  const fixes: string[] = [];
  if (byPacker) {
    const refused = refusalSummary(refusals.filter((r) => r.inCleanup));
    const actions = refused ? refused.actions : cleanupActions(cleanupErrors);
    parts.push(
      `packer could not delete some temporary resources:\n    ${cleanupErrors.join('\n    ')}${refused ? `\n  ${refused.sentence}` : ''}`,
    );
    fixes.push(
      `delete them by hand; they cost money while they exist. ${refused ? deniedActionHint(actions).fix : `Check that the credentials may call ${actions.join(', ')} (sindri packer doctor checks the policy)`}`,
    );
  }
  if (leftovers.length > 0) {
    parts.push(
      `sindri could not delete what it made ${words.made}, which costs money or quota while it exists:\n    ${leftoverLines(leftovers).join('\n    ')}`,
    );
    fixes.push(...leftoverActions(leftovers));
  }
  return new SindriError(`${words.done}, but ${parts.join('\n  and ')}`, {
    actions: fixes,
    code: 'CleanupFailed',
  });
}
