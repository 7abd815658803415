/**
 * How OSS answers a `Range` header. Source: the OSS pages "Use HTTP Range requests to get OSS
 * resources in segments" and "Range download" of the PHP SDK v2 guide: by default an invalid or
 * out-of-range range is ignored (200 and the whole object); with `x-oss-range-behavior: standard` an
 * end past the object is cut to its last byte (206) and a start past it is `InvalidRange` (416).
 */

export type RangeAnswer =
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'whole' }
  | { kind: 'unsatisfiable' };

const WHOLE: RangeAnswer = { kind: 'whole' };
const UNSATISFIABLE: RangeAnswer = { kind: 'unsatisfiable' };

/** `bytes=a-b`, `bytes=a-`, `bytes=-n` against an object of `size` bytes. */
export function answerRange(header: string, size: number, standard: boolean): RangeAnswer {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return WHOLE;
  if (m[1] === '') {
    // The last n bytes. Standard behaviour follows RFC 7233 (assumed): a suffix longer than the
    // object is the whole object, a zero suffix cannot be satisfied.
    const n = Number(m[2]);
    if (n === 0) return standard ? UNSATISFIABLE : WHOLE;
    if (n > size) return standard && size > 0 ? { kind: 'partial', start: 0, end: size - 1 } : WHOLE;
    return { kind: 'partial', start: size - n, end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size - 1 : Number(m[2]);
  if (start >= size) return standard ? UNSATISFIABLE : WHOLE;
  if (end < start) return WHOLE;
  if (end >= size) return standard ? { kind: 'partial', start, end: size - 1 } : WHOLE;
  return { kind: 'partial', start, end };
}
