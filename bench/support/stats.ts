import type { LoadResult } from '../load.js';

/** Values sorted ascending (a copy). */
export const sortedOf = (values: readonly number[]) => [...values].sort((a, b) => a - b);

/** The `p`th percentile (0–100) of `sorted` (nearest rank); NaN when empty. */
export const pct = (sorted: readonly number[], p: number) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!);

/** An open loop's answer latencies by the second they were scheduled in, each sorted: where a tail sits. */
export function latenciesBySecond(result: LoadResult): number[][] {
  const seconds: number[][] = [];
  for (const a of result.answers) (seconds[Math.floor(a.atMs / 1000)] ??= []).push(a.latencyMs);
  return Array.from(seconds, (xs) => sortedOf(xs ?? []));
}
