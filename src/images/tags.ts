/** The tags sindri puts on what it creates. */
export const MANAGED_BY_KEY = 'ManagedBy';
export const MANAGED_BY_VALUE = 'sindri';
export const BUILD_ID_TAG = 'sindri:build-id';
export const CONFIG_HASH_TAG = 'sindri:config-hash';
export const VERSION_TAG = 'sindri:version';
/** On every copy: the image packer built, which all copies of one build come from. */
export const SOURCE_IMAGE_TAG = 'sindri:source-image';
/** On a captured image: the instance it was made from. */
export const CAPTURED_FROM_TAG = 'sindri:captured-from';
/** On instances made by `sindri packer deploy`: the image they came from and the deploy's ClientToken. */
export const DEPLOYED_FROM_TAG = 'sindri:image-id';
export const DEPLOY_ID_TAG = 'sindri:deploy-id';

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
