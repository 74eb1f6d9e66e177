/**
 * Latency histograms as the generator exports them: HdrHistogram's non-empty buckets as
 * [highest value in the bucket, count], in microseconds. Buckets of histograms made with the
 * same settings line up, so merging is adding counts by bucket.
 */
export type Buckets = [number, number][];

export interface Percentiles {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
}

export function mergeBuckets(parts: Buckets[]): Buckets {
  const sum = new Map<number, number>();
  for (const part of parts) for (const [value, count] of part) sum.set(value, (sum.get(value) ?? 0) + count);
  return [...sum].sort((a, b) => a[0] - b[0]);
}

/** The smallest bucket value at or below which a fraction q of the recorded values lie. */
export function valueAtQuantile(buckets: Buckets, q: number): number {
  const total = buckets.reduce((n, [, count]) => n + count, 0);
  if (total === 0) return NaN;
  const wanted = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [value, count] of buckets) {
    seen += count;
    if (seen >= wanted) return value;
  }
  return buckets[buckets.length - 1]![0];
}

/** Percentiles in milliseconds; maxUs is the exact maximum when the caller has it. */
export function percentiles(buckets: Buckets, maxUs?: number): Percentiles {
  const ms = (us: number): number => us / 1000;
  return {
    count: buckets.reduce((n, [, count]) => n + count, 0),
    p50Ms: ms(valueAtQuantile(buckets, 0.5)),
    p90Ms: ms(valueAtQuantile(buckets, 0.9)),
    p99Ms: ms(valueAtQuantile(buckets, 0.99)),
    p999Ms: ms(valueAtQuantile(buckets, 0.999)),
    maxMs: ms(maxUs ?? valueAtQuantile(buckets, 1)),
  };
}
