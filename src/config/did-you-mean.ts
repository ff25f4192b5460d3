/** "Did you mean ...?" suggestions for misspelt keys, enum values and column names. */

/** Damerau–Levenshtein distance (optimal string alignment), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      const row = d[i]!;
      const prev = d[i - 1]!;
      let v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      row[j] = v;
    }
  }
  return d[s.length]![t.length]!;
}

/**
 * The closest candidate to `input`, if it is close enough to be a plausible typo: within a third of the
 * longer word's length (at least 1, at most 3 edits), or a case-only difference, or a prefix of 3+ letters.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    if (c === input) continue;
    const dist = editDistance(input, c);
    const limit = Math.min(3, Math.max(1, Math.floor(Math.max(input.length, c.length) / 3)));
    const prefix = input.length >= 3 && c.toLowerCase().startsWith(input.toLowerCase());
    const score = dist === 0 ? 0 : prefix ? 0.5 : dist;
    if ((dist <= limit || prefix) && score < bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

/** A hint sentence: "did you mean 'x'?" or the list of valid choices. */
export function suggestion(input: string, candidates: readonly string[], what = 'one of'): string {
  const guess = didYouMean(input, candidates);
  if (guess !== undefined) return `did you mean '${guess}'?`;
  return candidates.length > 0 ? `expected ${what}: ${candidates.map((c) => `'${c}'`).join(', ')}` : '';
}
