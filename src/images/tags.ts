/** The tags sindri puts on what it creates. */
import { SindriError } from '../errors.ts';

export const MANAGED_BY_KEY = 'ManagedBy';
export const MANAGED_BY_VALUE = 'sindri';
export const BUILD_ID_TAG = 'sindri:build-id';
export const CONFIG_HASH_TAG = 'sindri:config-hash';
export const VERSION_TAG = 'sindri:version';
/** On every copy: the image packer built, which all copies of one build come from. */
export const SOURCE_IMAGE_TAG = 'sindri:source-image';
/** On a captured image: the instance it was made from. */
export const CAPTURED_FROM_TAG = 'sindri:captured-from';
/** The test stage's verdict on the image: `passed` or `failed`. */
export const TEST_TAG = 'sindri:test';
/** The digest (`sha256:…`) of the image's SBOM, kept with its build record. */
export const SBOM_TAG = 'sindri:sbom';
/**
 * Ancestry, written at build time: the image the build started from, as `<image ID> <creation time>`,
 * and, when that image is one of sindri's, ` <its build ID>` (src/images/ancestry.ts).
 */
export const BASE_TAG = 'sindri:base';
/** The family of the image the build started from, when it has one (`sindri packer outdated`). */
export const BASE_FAMILY_TAG = 'sindri:base-family';

/**
 * The registry's tags, written after the build (src/images/channels.ts): the channels an image is the
 * current image of (`sindri:channel:<name>` = its line, the name without a version), its promotions (`sindri:promoted`, a list
 * of `<channel>@<time>`), and a revocation (`sindri:revoked` = `<time> <reason>`) or a revoked
 * ancestor (`sindri:base-revoked` = `<build ID> <time>`).
 */
export const CHANNEL_TAG_PREFIX = 'sindri:channel:';
export const PROMOTED_TAG = 'sindri:promoted';
export const REVOKED_TAG = 'sindri:revoked';
export const BASE_REVOKED_TAG = 'sindri:base-revoked';
/**
 * Tags kept free on every image for the registry: its promotions and one channel (or, once revoked,
 * the revocation that replaces its channels). Each user tag fewer leaves room for one more channel.
 */
export const REGISTRY_TAG_SLOTS = 2;

/** Characters a tag value holds at most. */
export const MAX_TAG_VALUE = 128;

/** Whether a tag is one the registry writes after the build (a copy never inherits one). */
export function isRegistryTag(key: string): boolean {
  return (
    key.startsWith(CHANNEL_TAG_PREFIX) ||
    key === PROMOTED_TAG ||
    key === REVOKED_TAG ||
    key === BASE_REVOKED_TAG
  );
}

/** On instances made by `sindri packer deploy`: the image they came from and the deploy's ClientToken. */
export const DEPLOYED_FROM_TAG = 'sindri:image-id';
export const DEPLOY_ID_TAG = 'sindri:deploy-id';

/** Tags one ECS resource carries at most (and `Tag.N` one call takes at most). */
export const MAX_TAGS_PER_RESOURCE = 20;

/** Every tag sindri itself may put on an image or a copy of one. */
export const SINDRI_IMAGE_TAG_KEYS: readonly string[] = [
  MANAGED_BY_KEY,
  BUILD_ID_TAG,
  CONFIG_HASH_TAG,
  VERSION_TAG,
  SOURCE_IMAGE_TAG,
  CAPTURED_FROM_TAG,
  TEST_TAG,
  SBOM_TAG,
  BASE_TAG,
  BASE_FAMILY_TAG,
];

/** Tags sindri may put on one image: its own at build time, and the registry's room. */
export const SINDRI_TAG_BUDGET = SINDRI_IMAGE_TAG_KEYS.length + REGISTRY_TAG_SLOTS;

/** The user's tags an image can take besides sindri's own (`providers.packer.tags`, at most). */
export const MAX_USER_TAGS = MAX_TAGS_PER_RESOURCE - SINDRI_TAG_BUDGET;

/** Refuses, before the call, a tag set one resource cannot carry (the API would refuse it). */
export function checkTagCount(tags: Readonly<Record<string, string>>, what: string): void {
  const count = Object.keys(tags).length;
  if (count <= MAX_TAGS_PER_RESOURCE) return;
  const own = Object.keys(tags).filter((k) => SINDRI_IMAGE_TAG_KEYS.includes(k) || isRegistryTag(k)).length;
  const fix = `remove ${count - MAX_TAGS_PER_RESOURCE} tag(s) from providers.packer.tags or from the source image (a copy carries both)`;
  throw new SindriError(
    `${what} would carry ${count} tags (${own} of them sindri's own); a resource carries at most ${MAX_TAGS_PER_RESOURCE}: ${fix}.`,
    { code: 'TooManyTags', actions: [fix] },
  );
}

export interface SdkTag {
  tagKey?: string;
  tagValue?: string;
}

/** The `Tags.Tag[]` list of an ECS response as a plain record. */
export function tagRecord(tags: { tag?: SdkTag[] } | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags?.tag ?? []) if (t.tagKey) out[t.tagKey] = t.tagValue ?? '';
  return out;
}
