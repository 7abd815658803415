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
];

/** The user's tags an image can take besides sindri's own (`providers.packer.tags`, at most). */
export const MAX_USER_TAGS = MAX_TAGS_PER_RESOURCE - SINDRI_IMAGE_TAG_KEYS.length;

/** Refuses, before the call, a tag set one resource cannot carry (the API would refuse it). */
export function checkTagCount(tags: Readonly<Record<string, string>>, what: string): void {
  const count = Object.keys(tags).length;
  if (count <= MAX_TAGS_PER_RESOURCE) return;
  const own = Object.keys(tags).filter((k) => SINDRI_IMAGE_TAG_KEYS.includes(k)).length;
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
