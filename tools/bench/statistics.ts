/** Median, minimum and maximum of some numbers (NaN for none). */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The {@link Spread} of `values`; the median of an even count is the mean of the middle two. */
export function spread(values: number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return { median, min: sorted[0]!, max: sorted.at(-1)! };
}
