/** Levenshtein distance, for "did you mean" suggestions. */
export function editDistance(a: string, b: string): number {
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}

/**
 * Up to `limit` candidates close to `word`, nearest first: those sharing its last dotted segment (a key under
 * the wrong parent), and those as deep as it within an edit distance of a third of its length (at least 2).
 */
export function closeMatches(word: string, candidates: readonly string[], limit = 3): string[] {
  const maxDist = Math.max(2, Math.floor(word.length / 3));
  const depth = word.split('.').length;
  const last = word.split('.').pop()!.toLowerCase();
  return candidates
    .map((c) => {
      const d = editDistance(word.toLowerCase(), c.toLowerCase());
      const sameLeaf = c.split('.').pop()!.toLowerCase() === last;
      const sameDepth = c.split('.').length === depth;
      return { c, score: sameLeaf ? Math.min(d, maxDist) : sameDepth ? d : Infinity };
    })
    .filter((x) => x.score <= maxDist)
    .sort((x, y) => x.score - y.score || x.c.localeCompare(y.c))
    .slice(0, limit)
    .map((x) => x.c);
}
