import type { S3Data } from '../results.js';
import type { Session } from './session.js';

/** S3 latency: steady broadcasts to every client; a warm-up phase first, not counted. */
export async function runS3(s: Session, _size: number, loadgen: string): Promise<S3Data> {
  const plan = s.plan.S3;
  const { setup } = await s.setUp(loadgen, plan.clients);
  await s.phase('broadcast', plan.broadcastsPerSec, plan.warmupMs);
  const phase = await s.phase('broadcast', plan.broadcastsPerSec, plan.durationMs);
  return { setup, phase, end: await s.end() };
}
