/** Sizes, rates and durations of every scenario: the full run (issue 8) and the CI smoke run. */
export interface Plan {
  /** Clients a second while setting up (S1–S4); connect storms are S5's business. */
  connectRate: number;
  connectTimeoutMs: number;
  /** After connecting: wait until no frame has arrived for settleQuietMs, at most settleMaxMs. */
  settleQuietMs: number;
  settleMaxMs: number;
  /** After each phase: wait until deliveries are quiet for drainQuietMs, at most drainMaxMs. */
  drainQuietMs: number;
  drainMaxMs: number;
  S1: { sizes: number[]; idleMs: number };
  S2: { sizes: number[]; deliveriesPerSec: number[]; stepMs: number; p99LimitMs: number; maxLossFraction: number };
  S3: { clients: number; broadcastsPerSec: number; warmupMs: number; durationMs: number };
  S4: { clients: number; ratesPerSec: number[]; stepMs: number };
  S5: { sizes: number[]; timeoutMs: number };
}

export const FULL_PLAN: Plan = {
  connectRate: 2000,
  connectTimeoutMs: 60_000,
  settleQuietMs: 1000,
  settleMaxMs: 60_000,
  drainQuietMs: 500,
  drainMaxMs: 10_000,
  S1: { sizes: [5000, 15_000], idleMs: 10_000 },
  S2: {
    sizes: [1000, 5000],
    deliveriesPerSec: [10_000, 25_000, 50_000, 100_000, 200_000, 400_000, 600_000, 800_000, 1_000_000, 1_200_000, 1_600_000],
    stepMs: 5000,
    p99LimitMs: 100,
    maxLossFraction: 0.001,
  },
  S3: { clients: 1000, broadcastsPerSec: 50, warmupMs: 3000, durationMs: 20_000 },
  S4: { clients: 1000, ratesPerSec: [1000, 2000, 5000, 10_000, 20_000], stepMs: 5000 },
  S5: { sizes: [2000, 10_000], timeoutMs: 30_000 },
};

/** Every scenario for a few seconds: CI checks that the harness and every server still work. */
export const SMOKE_PLAN: Plan = {
  connectRate: 2000,
  connectTimeoutMs: 15_000,
  settleQuietMs: 300,
  settleMaxMs: 5000,
  drainQuietMs: 200,
  drainMaxMs: 3000,
  S1: { sizes: [300], idleMs: 1000 },
  S2: { sizes: [200], deliveriesPerSec: [4000, 20_000], stepMs: 1000, p99LimitMs: 100, maxLossFraction: 0.001 },
  S3: { clients: 200, broadcastsPerSec: 20, warmupMs: 300, durationMs: 1500 },
  S4: { clients: 200, ratesPerSec: [500, 2000], stepMs: 1000 },
  S5: { sizes: [500], timeoutMs: 10_000 },
};
