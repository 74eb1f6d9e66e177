import { mergeBuckets, percentiles, valueAtQuantile, type Buckets } from '../src/histogram.js';

describe('latency histograms from the generator processes', () => {
  test('merging adds the counts of the same bucket and keeps buckets in value order', () => {
    const a: Buckets = [
      [1000, 3],
      [5000, 1],
    ];
    const b: Buckets = [
      [500, 2],
      [1000, 4],
    ];
    expect(mergeBuckets([a, b])).toEqual([
      [500, 2],
      [1000, 7],
      [5000, 1],
    ]);
  });

  test('quantiles: the bucket at or below which that share of the values lie', () => {
    // 100 values: 90 at 1 ms, 9 at 10 ms, 1 at 200 ms.
    const h: Buckets = [
      [1000, 90],
      [10_000, 9],
      [200_000, 1],
    ];
    expect(valueAtQuantile(h, 0.5)).toBe(1000);
    expect(valueAtQuantile(h, 0.9)).toBe(1000);
    expect(valueAtQuantile(h, 0.95)).toBe(10_000);
    expect(valueAtQuantile(h, 0.99)).toBe(10_000);
    expect(valueAtQuantile(h, 0.999)).toBe(200_000);
    expect(percentiles(h, 201_000)).toEqual({ count: 100, p50Ms: 1, p90Ms: 1, p99Ms: 10, p999Ms: 200, maxMs: 201 });
  });

  test('an empty histogram has no percentiles rather than zeros', () => {
    const p = percentiles([]);
    expect(p.count).toBe(0);
    expect(p.p99Ms).toBeNaN();
  });
});
