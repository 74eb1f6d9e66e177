import { FULL_PLAN } from '../src/plan.js';
import type { PhaseSummary, S2Step } from '../src/results.js';
import { s2Ceiling, s2FailReason } from '../src/scenarios/s2-fanout.js';

function step(deliveredPerSec: number, over: Partial<PhaseSummary> = {}): PhaseSummary {
  return {
    offeredPerSec: deliveredPerSec / 1000,
    sent: 100,
    sendErrors: 0,
    expected: 100_000,
    delivered: 100_000,
    lost: 0,
    dup: 0,
    errorFrames: 0,
    deliveredPerSec,
    latency: { count: 100_000, p50Ms: 2, p90Ms: 5, p99Ms: 20, p999Ms: 40, maxMs: 50 },
    windowMs: 5000,
    cpuPct: { server: 50, generator: 40 },
    cpuWaitPct: { server: 3 },
    generatorSaturated: false,
    sendLagMaxMs: 1,
    droppedClients: 0,
    ...over,
  };
}

const judged = (s: PhaseSummary): S2Step => {
  const failReason = s2FailReason(s, FULL_PLAN.S2);
  return { ...s, passed: failReason === undefined, failReason };
};

describe('S2 fan-out ceiling', () => {
  test('a step fails on p99 at or over 100 ms, on loss over 0.1%, and on dropped clients', () => {
    expect(s2FailReason(step(1e5), FULL_PLAN.S2)).toBeUndefined();
    expect(s2FailReason(step(1e5, { latency: { ...step(0).latency, p99Ms: 100 } }), FULL_PLAN.S2)).toBe('p99 100 ms');
    expect(s2FailReason(step(1e5, { lost: 101 }), FULL_PLAN.S2)).toBe('lost 101 of 100000');
    expect(s2FailReason(step(1e5, { lost: 100 }), FULL_PLAN.S2)).toBeUndefined();
    expect(s2FailReason(step(1e5, { droppedClients: 3 }), FULL_PLAN.S2)).toBe('3 clients dropped');
    expect(s2FailReason(step(1e5, { sent: 0 }), FULL_PLAN.S2)).toBe('nothing sent');
  });

  test('the ceiling is the last step that passed, limited by the step that failed', () => {
    const c = s2Ceiling([judged(step(1e5)), judged(step(2e5)), judged(step(4e5, { latency: { ...step(0).latency, p99Ms: 300 } }))]);
    expect(c).toMatchObject({ deliveriesPerSec: 2e5, lowerBound: false, limit: 'p99 300 ms', serverCpuPct: 50 });
  });

  test('it is a lower bound when the generator was saturated at the failing step, or the ladder ran out', () => {
    const saturated = s2Ceiling([
      judged(step(1e5)),
      judged(step(2e5, { generatorSaturated: true, latency: { ...step(0).latency, p99Ms: 150 } })),
    ]);
    expect(saturated).toMatchObject({ deliveriesPerSec: 1e5, lowerBound: true });
    expect(saturated?.limit).toMatch(/^generator saturated/);
    expect(s2Ceiling([judged(step(1e5)), judged(step(2e5))])).toMatchObject({ deliveriesPerSec: 2e5, lowerBound: true, limit: 'top of the ladder' });
  });

  test('no ceiling when the first step already fails', () => {
    expect(s2Ceiling([judged(step(1e4, { lost: 5000 }))])).toBeUndefined();
  });
});
