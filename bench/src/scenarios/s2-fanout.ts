import { fmtMs } from '../format.js';
import type { Plan } from '../plan.js';
import type { PhaseSummary, S2Data, S2Step } from '../results.js';
import type { Session } from './session.js';

/** Why a step fails the "p99 < limit, nothing lost" bar, or undefined when it passes. */
export function s2FailReason(step: PhaseSummary, plan: Plan['S2']): string | undefined {
  if (step.sent === 0) return 'nothing sent';
  if (step.droppedClients > 0) return `${step.droppedClients} clients dropped`;
  if (step.expected > 0 && step.lost / step.expected > plan.maxLossFraction) return `lost ${step.lost} of ${step.expected}`;
  if (!(step.latency.p99Ms < plan.p99LimitMs)) return `p99 ${fmtMs(step.latency.p99Ms)} ms`;
  return undefined;
}

/**
 * The fan-out ceiling: the highest step whose p99 stays under the limit with nothing lost.
 * It is a lower bound when the ladder ran out, or when the generator was saturated at the
 * step that failed (the generator, not the server, may have been the limit).
 */
export function s2Ceiling(steps: S2Step[]): S2Data['ceiling'] {
  const passed = steps.filter((s) => s.passed);
  const best = passed[passed.length - 1];
  if (!best) return undefined;
  const failed = steps.find((s) => !s.passed);
  const generatorLimited = best.generatorSaturated || (failed?.generatorSaturated ?? false);
  return {
    deliveriesPerSec: best.deliveredPerSec,
    serverCpuPct: best.cpuPct.server,
    serverCpuWaitPct: best.cpuWaitPct.server,
    generatorCpuPct: best.cpuPct.generator,
    p99Ms: best.latency.p99Ms,
    lowerBound: !failed || generatorLimited,
    limit: !failed ? 'top of the ladder' : generatorLimited ? `generator saturated (next: ${failed.failReason})` : (failed.failReason ?? ''),
  };
}

/** S2 fan-out: `size` clients, broadcasts at rising rates until a step fails. */
export async function runS2(s: Session, size: number, loadgen: string): Promise<S2Data> {
  const plan = s.plan.S2;
  const { setup } = await s.setUp(loadgen, size);
  const steps: S2Step[] = [];
  for (const deliveries of plan.deliveriesPerSec) {
    const open = (await s.snapshot()).open;
    if (open === 0) break;
    const summary = await s.phase('broadcast', deliveries / open, plan.stepMs);
    const failReason = s2FailReason(summary, plan);
    steps.push({ ...summary, passed: failReason === undefined, failReason });
    if (failReason) break;
  }
  return { setup, steps, ceiling: s2Ceiling(steps), end: await s.end() };
}
