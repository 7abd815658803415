/**
 * Hints for the codes of the image APIs (DeleteImage, ModifyImageAttribute, CopyImage,
 * ModifyImageSharePermission) and of tags, as their API reference pages list them.
 */
import type { ErrorHint } from './error-hints.ts';

export const IMAGE_ERROR_HINTS: Readonly<Record<string, ErrorHint>> = {
  // Images: deleting, deprecating, copying, sharing.
  ImageUsingByInstance: {
    meaning: 'Instances use the image, so DeleteImage refuses it without Force.',
    fix: 'Delete or re-image the instances (`sindri packer delete` lists them), or delete with --force.',
  },
  ImageUseShared: {
    meaning:
      'The image is shared with other accounts: it can be neither deleted (not even with Force) nor deprecated.',
    fix: 'Remove its shares first (sindri does when it deletes or deprecates; by hand: ModifyImageSharePermission RemoveAccount.N), then retry.',
  },
  'OperationDenied.ImageCopying': {
    meaning: 'The image is still being copied.',
    fix: 'Wait for the copy, or cancel it (`sindri packer delete` cancels a copy in progress).',
  },
  IncorrectImageStatus: {
    meaning: 'The image is not Available (still being created, failed, or Deprecated).',
    fix: 'Wait until it is Available (`sindri packer list`); a Deprecated image must be restored to Available before it is copied.',
  },
  'ImageStatus.NotAvailable': {
    meaning: 'Only an Available image can be deprecated.',
    fix: 'Wait until the image is Available; an image already Deprecated needs nothing.',
  },
  'ImageStatus.NotDeprecated': {
    meaning: 'Only a Deprecated image can be restored to Available.',
    fix: 'Nothing to restore: the image is not Deprecated.',
  },
  'InvalidStatus.ImageIsCreating': {
    meaning: 'The image is still being created.',
    fix: 'Wait until it is Available and retry.',
  },
  'DestinationRegion.NotFound': {
    meaning: 'A region to copy the image to does not exist.',
    fix: 'Check image_copy_regions against `aliyun ecs DescribeRegions`.',
  },
  IncorrectDestinationRegion: {
    meaning: 'An unencrypted copy must go to another region.',
    fix: 'Remove the build region from image_copy_regions (an encrypted copy into it is made with image_encrypted).',
  },
  'OperationDenied.SameRegionOnly': {
    meaning: 'An image shared with this account can be copied only within its own region.',
    fix: 'Copy it in its region first, then copy that copy to the other regions.',
  },
  'InvalidParameter.EncryptedIllegal': {
    meaning: 'A KMS key was given for a copy that is not encrypted.',
    fix: 'Set image_encrypted: true together with kms_key_id / kms_key_ids.',
  },
  'OperationDeined.EncryptedSnapshot': {
    meaning:
      'The image has encrypted snapshots, which this operation does not accept (an encrypted image cannot be copied unencrypted).',
    fix: 'Keep image_encrypted: true for copies of an encrypted image.',
  },
  'InvalidOperation.ServiceKeyEncryptedImageUnsupported': {
    meaning: 'The image is encrypted with the default service key, and such an image cannot be shared.',
    fix: 'Encrypt with a customer master key: set kms_key_id (or kms_key_ids for each region), delete the copies made with the service key (`sindri packer delete --all-regions`) and build again.',
  },
  AssumeRoleError: {
    meaning: 'Sharing an encrypted image needs the RAM role AliyunECSShareEncryptImageDefaultRole.',
    fix: 'Create the role AliyunECSShareEncryptImageDefaultRole (the ECS console offers it when you share an encrypted image) and retry.',
  },
  'OperationDenied.InvalidImageStatus': {
    meaning: 'A Deprecated image cannot be shared.',
    fix: 'Share a newer image, or restore this one to Available (ModifyImageAttribute Status=Available) first.',
  },
  'InvalidAccount.NotFound': {
    meaning: 'An account to share the image with (or to unshare it from) does not exist.',
    fix: 'Check the 16-digit account IDs in image_share_accounts.',
  },
  'InvalidAccount.Forbbiden': {
    meaning: 'An image cannot be shared with the account that owns it.',
    fix: 'Remove your own account ID from image_share_accounts.',
  },
  'QuotaExceed.ShareImageUser': {
    meaning: 'An image can be shared with at most 50 accounts.',
    fix: 'List at most 50 accounts in image_share_accounts and drop the others with --prune-shares, or ask Alibaba Cloud support for more.',
  },
  'QuotaExceed.ShareImage': {
    meaning: 'The account shares as many images as its quota allows.',
    fix: 'Unshare or delete images no longer needed (`sindri packer delete` unshares before deleting).',
  },
  ShareNotVerified: {
    meaning:
      'Reading the share permission back did not show the change (the API ignores accounts past 10 per call).',
    fix: 'Run the same command again: only the accounts still missing are added or removed.',
  },

  // Tags: 20 per resource, sindri's own included.
  'OperationDenied.QuotaExceed': {
    meaning: 'The resource already carries 20 tags, the most it can carry.',
    fix: 'Remove tags from the resource or from providers.packer.tags, which must leave room for sindri’s own (`sindri packer validate` checks it).',
  },
  'NumberExceed.Tags': {
    meaning: 'More than 20 tags were given in one call.',
    fix: 'Use fewer tags in providers.packer.tags, leaving room for sindri’s own (`sindri packer validate` checks it).',
  },
  InvalidTagCount: {
    meaning: 'More than 20 tags were given for one resource.',
    fix: 'Use fewer tags in providers.packer.tags, leaving room for sindri’s own (`sindri packer validate` checks it).',
  },
  TooManyTags: {
    meaning:
      'A copy would carry more than 20 tags: its source image’s, the configured ones and sindri’s own.',
    fix: 'Remove tags from providers.packer.tags or from the source image.',
  },
  ImageDeprecated: {
    meaning: 'A Deprecated image can be neither copied nor shared (it still launches instances).',
    fix: 'Restore it to Available (ModifyImageAttribute Status=Available), then distribute it again.',
  },
  // Image families and the registry (docs/registry.md).
  'InvalidImageFamily.Malformed': {
    meaning: 'The image family name is not one ECS accepts.',
    fix: 'Use 2–128 characters starting with a letter (letters, digits, ".", "_", ":", "-"), not starting with aliyun or acs: (providers.packer.image_family).',
  },
  'ImageQuotaFull.ImageFamily': {
    meaning: 'The image family already holds 100 images in this region, the most one holds.',
    fix: 'Delete old images of the family (`sindri packer delete`, or retention.keep), then run the same command again.',
  },
  ImageFamilyQuotaFull: {
    meaning: 'The region already has 100 image families, the most it holds.',
    fix: 'Use an existing family, or move the images of one no longer needed to another.',
  },
  ImageRevoked: {
    meaning: 'The image was revoked (`sindri packer revoke`): its sindri:revoked tag says when and why.',
    fix: 'Deploy or promote another build (`sindri packer channels`); deploy --force starts it anyway.',
  },
  LastImageOfFamily: {
    meaning:
      'Deprecating or deleting these images would leave their family with no Available image to launch.',
    fix: 'Build a newer image into the family first, or pass --force.',
  },
  ImageOutdated: {
    meaning: '`sindri packer outdated`: the newest image of the configuration is not current (exit 10).',
    fix: 'Build again (a scheduled workflow does when `rebuild` is true); for a newer pinned source, change source_image.',
  },
};
