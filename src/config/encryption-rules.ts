/**
 * Rules of `image_encrypted` the schema cannot express: which KMS key each region the image reaches
 * gets, and that an image encrypted with the default service key cannot be shared.
 */
import { didYouMean } from './suggest.ts';
import type { KeyPath } from './yaml.ts';

export type Report = (path: KeyPath, message: string, hint: string | undefined, atKey?: boolean) => void;

const ALIBABA = ['providers', 'packer', 'alibaba'];

const isMapping = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isKey = (v: unknown): v is string => typeof v === 'string' && v !== '';

export function checkEncryption(get: (path: KeyPath) => unknown, report: Report): void {
  const copies = get([...ALIBABA, 'image_copy_regions']);
  const reached = [get([...ALIBABA, 'region']), ...(Array.isArray(copies) ? copies : [])].filter(
    (r): r is string => typeof r === 'string',
  );
  const keys = get([...ALIBABA, 'kms_key_ids']);

  // A key for a region the image never reaches is a typo that silently leaves a copy on another key.
  if (isMapping(keys)) {
    for (const key of Object.keys(keys)) {
      if (reached.includes(key)) continue;
      const guess = didYouMean(key, reached);
      report(
        [...ALIBABA, 'kms_key_ids', key],
        `"${key}" is neither the build region nor one of image_copy_regions (${reached.join(', ')})`,
        guess ? `did you mean "${guess}"?` : 'remove it, or add the region to image_copy_regions',
        true,
      );
    }
  }

  // ModifyImageSharePermission refuses an image encrypted with the service key (since 2025-07-01).
  const accounts = get([...ALIBABA, 'image_share_accounts']);
  const sharing = Array.isArray(accounts) && accounts.length > 0;
  if (get([...ALIBABA, 'image_encrypted']) !== true || !sharing || isKey(get([...ALIBABA, 'kms_key_id'])))
    return;
  const perRegion = isMapping(keys) ? keys : {};
  const keyless = [...new Set(reached)].filter((region) => !isKey(perRegion[region]));
  if (keyless.length === 0) return;
  const shareNote = 'such an image cannot be shared (image_share_accounts)';
  const orNotShared = 'or remove image_share_accounts';
  if (isMapping(keys))
    report(
      [...ALIBABA, 'kms_key_ids'],
      `no KMS key for ${keyless.join(', ')}: those copies would use the default service key, and ${shareNote}`,
      `add a customer master key (KMS key ID) for ${keyless.join(', ')}, set kms_key_id for the regions not listed, ${orNotShared}`,
      true,
    );
  else
    report(
      [...ALIBABA, 'image_encrypted'],
      `image_encrypted without kms_key_id encrypts with the default service key, and ${shareNote}`,
      keyless.length === 1
        ? `set kms_key_id to a customer master key (KMS key ID) in ${keyless[0]}, ${orNotShared}`
        : `set kms_key_ids to a customer master key (KMS key ID) for each of ${keyless.join(', ')} (KMS keys are regional), ${orNotShared}`,
    );
}
