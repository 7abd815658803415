/**
 * Orders identifiers (image, region and action IDs, package names) and ISO 8601 times by their UTF-16
 * code units. The order is the same on every machine, where `localeCompare` follows the user's locale,
 * and it needs no ICU collator: the first `localeCompare` of a process builds one, about 5 ms of a
 * command's start (docs/performance.md).
 */
export function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
