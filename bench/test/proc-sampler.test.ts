import { ProcSampler, readProc } from '../src/proc-sampler.js';

describe('/proc sampling', () => {
  test('reads this process: RSS in bytes, CPU ticks that grow with work, run-queue wait', () => {
    const before = readProc(process.pid)!;
    expect(before.rssBytes).toBeGreaterThan(10 * 1024 * 1024);
    expect(before.waitNs).toBeGreaterThanOrEqual(0);
    const until = Date.now() + 300;
    while (Date.now() < until); // burn CPU
    expect(readProc(process.pid)!.cpuTicks).toBeGreaterThan(before.cpuTicks);
    expect(readProc(2 ** 22 + 7)).toBeUndefined();
  });

  test('CPU over a window agrees with what the process itself counted; RSS and peaks are there', () => {
    const sampler = new ProcSampler(50);
    const usage0 = process.cpuUsage();
    const t0 = Date.now();
    sampler.watch('self', [process.pid]);
    const until = t0 + 500;
    while (Date.now() < until); // busy: no timer sample is taken meanwhile
    sampler.sampleNow();
    const t1 = Date.now();
    const usage = process.cpuUsage(usage0);
    const countedPct = ((usage.user + usage.system) / 1000 / (t1 - t0)) * 100;
    // /proc counts in clock ticks (10 ms): a few of them over 500 ms.
    expect(Math.abs(sampler.cpuPercent('self', t0, t1)! - countedPct)).toBeLessThan(10);
    expect(sampler.rssAt('self', t1)).toBeGreaterThan(0);
    expect(sampler.peakRss('self', t0 - 1000, t1)).toBeGreaterThan(0);
    expect(sampler.cpuPercent('nobody', t0, t1)).toBeUndefined();
    // Waiting for a CPU is never negative, and cannot exceed the window for each thread.
    const wait = sampler.waitPercent('self', t0, t1)!;
    expect(wait).toBeGreaterThanOrEqual(0);
    expect(wait).toBeLessThan(100 * 64);
  });
});
