import type { S4Data } from '../results.js';
import type { Session } from './session.js';

/** S4 direct: every client sends to random others, at each rate of the plan. */
export async function runS4(s: Session, _size: number, loadgen: string): Promise<S4Data> {
  const plan = s.plan.S4;
  const { setup, ids } = await s.setUp(loadgen, plan.clients, true);
  const steps = [];
  for (const rate of plan.ratesPerSec) steps.push(await s.phase('direct', rate, plan.stepMs, ids));
  return { setup, steps, end: await s.end() };
}
