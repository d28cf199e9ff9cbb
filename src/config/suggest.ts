// "Did you mean ...?" for misspelt keys, process names and signals.

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions), case-insensitive. */
export function editDistance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = [];
  for (let i = 0; i <= s.length; i++) d.push([i]);
  for (let j = 1; j <= t.length; j++) d[0]![j] = j;
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[s.length]![t.length]!;
}

/** Candidates within a small distance of `word`, nearest first. Short words allow fewer edits. */
export function closest(word: string, candidates: Iterable<string>, limit = 3): string[] {
  const max = word.length <= 3 ? 1 : 2;
  const scored: { c: string; d: number }[] = [];
  for (const c of candidates) {
    const d = editDistance(word, c);
    if (d <= max && c !== word) scored.push({ c, d });
  }
  return scored.sort((x, y) => x.d - y.d).slice(0, limit).map((x) => x.c);
}

/** 'did you mean "stop_timeout"?', or a fallback listing the valid words. */
export function suggestionHint(word: string, candidates: readonly string[], what = 'valid keys'): string {
  const near = closest(word, candidates, 1);
  if (near.length > 0) return `did you mean "${near[0]}"?`;
  return `${what}: ${candidates.map((c) => `"${c}"`).join(', ')}`;
}
