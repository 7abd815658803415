/** Did-you-mean suggestions for typed names (keys, enum values, regions). */
function normalise(s: string): string {
  return s.toLowerCase().replace(/[-_\s]/g, '');
}

function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0] ?? 0;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j] ?? 0;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      prev[j] = Math.min(up + 1, (prev[j - 1] ?? 0) + 1, diag + cost);
      diag = up;
    }
  }
  return prev[b.length] ?? 0;
}

function isSubsequence(small: string, big: string): boolean {
  let i = 0;
  for (const ch of big) if (ch === small[i]) i++;
  return i === small.length;
}

/** The candidate the user most likely meant, if any is close enough (case, `-`/`_` and small typos forgiven). */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const n = normalise(input);
  const exact = candidates.find((c) => normalise(c) === n);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = distance(n, normalise(c));
    // on a tie, prefer the candidate that contains every letter typed, in order (a dropped letter)
    const tieWin =
      d === bestScore &&
      best !== undefined &&
      isSubsequence(n, normalise(c)) &&
      !isSubsequence(n, normalise(best));
    if (d < bestScore || tieWin) {
      best = c;
      bestScore = d;
    }
  }
  const limit = Math.min(3, Math.max(1, Math.floor(n.length / 3)));
  return bestScore <= limit ? best : undefined;
}
