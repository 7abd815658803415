/**
 * What ExportImage writes, and in which format. Source: the ExportImage API reference
 * (alibabacloud.com/help/en/ecs/developer-reference/api-ecs-2014-05-26-exportimage, change history
 * 2025-04-29):
 * - `ImageFormat` is raw, vhd, qcow2, vmdk or vdi (default raw), and "is available only for the
 *   following regions: Japan (Tokyo), Indonesia (Jakarta), Germany (Frankfurt), UAE (Dubai),
 *   US (Virginia), UK (London), Singapore, Malaysia (Kuala Lumpur), and US (Silicon Valley). By
 *   default, custom images are exported in the RAW format in regions where the ImageFormat
 *   parameter is unsupported." (The page also lists `InvalidImageFormat.RegionNotSupported`.)
 * - `OSSPrefix` "must be 1 to 30 characters in length and can contain digits and letters"
 *   (`InvalidOSSPrefix.Malformed`): a name prefix, not a directory.
 * - The object is `<prefix>_<imageId>_system.raw.tar.gz` (terraform-provider-alicloud
 *   `resource_alicloud_image_export.go`; `<imageId>_system.raw.tar.gz` without a prefix in the
 *   ApsaraStack providers); with data disks there is one more file per disk whose name contains
 *   `data` and the disk's mount point such as xvdb (ECS guide "Export a custom image").
 */

export const IMAGE_FORMATS = ['raw', 'vhd', 'qcow2', 'vmdk', 'vdi'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** The regions where ExportImage honours `ImageFormat`; everywhere else it exports RAW. */
export const IMAGE_FORMAT_REGIONS: readonly string[] = [
  'ap-northeast-1', // Japan (Tokyo)
  'ap-southeast-5', // Indonesia (Jakarta)
  'eu-central-1', // Germany (Frankfurt)
  'me-east-1', // UAE (Dubai)
  'us-east-1', // US (Virginia)
  'eu-west-1', // UK (London)
  'ap-southeast-1', // Singapore
  'ap-southeast-3', // Malaysia (Kuala Lumpur)
  'us-west-1', // US (Silicon Valley)
];

export function honoursImageFormat(region: string): boolean {
  return IMAGE_FORMAT_REGIONS.includes(region);
}

/** The format ExportImage produces in a region when asked for `requested`. */
export function producedFormat(region: string, requested: ImageFormat): ImageFormat {
  return honoursImageFormat(region) ? requested : 'raw';
}

export const OSS_PREFIX_RULE = /^[A-Za-z0-9]{1,30}$/;

/** `<prefix>_<imageId>` (or the image ID alone): what every object of the export starts with. */
export function exportStem(imageId: string, prefix: string | undefined): string {
  return prefix ? `${prefix}_${imageId}` : imageId;
}

export interface ExportedFile {
  /** `system`, or `data` with the disk's mount point (`xvdb`) when the name gives it. */
  disk: 'system' | 'data';
  device?: string;
  /** The format the name shows (`.raw.tar.gz` → raw); undefined when the name shows none. */
  format: ImageFormat | undefined;
  /** `tar.gz` when the disk image is packed in a gzipped tar (RAW exports). */
  archive: 'tar.gz' | undefined;
}

/** The format and packing an object name shows: `x.raw.tar.gz` → raw, tar.gz; `x.qcow2` → qcow2. */
export function formatInName(name: string): Pick<ExportedFile, 'format' | 'archive'> {
  const dot = name.indexOf('.');
  const suffixes =
    dot === -1
      ? []
      : name
          .slice(dot + 1)
          .toLowerCase()
          .split('.');
  const archive = suffixes.slice(-2).join('.') === 'tar.gz' ? 'tar.gz' : undefined;
  const formatPart = archive ? suffixes.slice(0, -2) : suffixes;
  return { format: IMAGE_FORMATS.find((f) => formatPart.includes(f)), archive };
}

/**
 * What an object name of an export says: `<stem>_system.raw.tar.gz` → system disk, raw, tar.gz;
 * `<stem>_data_xvdb.qcow2` → data disk xvdb, qcow2. Undefined for a name that is not of the export.
 */
export function describeExportedObject(key: string, stem: string): ExportedFile | undefined {
  if (!key.startsWith(`${stem}_`)) return undefined;
  const rest = key.slice(stem.length + 1);
  const m = /^(system|data)(?:[_-]?([a-z][a-z0-9]*))?(\.[A-Za-z0-9.]+)?$/.exec(rest);
  if (!m) return undefined;
  return {
    disk: m[1] as 'system' | 'data',
    ...(m[1] === 'data' && m[2] ? { device: m[2] } : {}),
    ...formatInName(rest),
  };
}
