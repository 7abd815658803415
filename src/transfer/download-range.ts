/**
 * The one reply a resumed download may append: a `206 Partial Content` whose Content-Range starts
 * exactly at the bytes on disk and runs to the object's last byte.
 */

/** Parses `bytes <start>-<end>/<total>`. */
export function parseContentRange(
  value: string | undefined,
): { start: number; end: number; total: number } | undefined {
  const m = value ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(value.trim()) : null;
  if (!m) return undefined;
  const [start, end, total] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (end < start || end >= total) return undefined;
  return { start, end, total };
}

/**
 * Whether a ranged reply may be appended to a file holding `offset` bytes of an object of `size`
 * bytes: only a 206 whose range starts at `offset`, ends at the last byte and names the same total.
 */
export function checkRangeReply(
  status: number,
  contentRange: string | undefined,
  offset: number,
  size: number,
): string | undefined {
  if (status !== 206)
    return `the server answered ${status} instead of 206 Partial Content to Range: bytes=${offset}-`;
  const r = parseContentRange(contentRange);
  if (!r) return `the 206 reply has no valid Content-Range (${contentRange ?? 'none'})`;
  if (r.start !== offset) return `the 206 reply starts at byte ${r.start}, not ${offset}`;
  if (r.total !== size) return `the object is now ${r.total} bytes, not ${size}`;
  if (r.end !== size - 1) return `the 206 reply ends at byte ${r.end}, not ${size - 1}`;
  return undefined;
}
