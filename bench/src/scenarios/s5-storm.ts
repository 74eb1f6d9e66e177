import { sleep } from '../processes.js';
import { GENERATOR_SATURATED_PCT, type S5Data } from '../results.js';
import { probeHealth } from './health-probe.js';
import { MiB, round1, round3, type Session } from './session.js';

/** S5 storm: `size` clients connect at the same moment; time until all are welcomed. */
export async function runS5(s: Session, size: number, loadgen: string): Promise<S5Data> {
  await sleep(500);
  s.startLoadGen(loadgen, size);
  const probe = s.server.healthUrl ? probeHealth(s.server.healthUrl) : undefined;
  const c = await s.connect(0, s.plan.S5.timeoutMs);
  const settled = await s.settle();
  const health = await probe?.stop();
  const snap = await s.snapshot();
  const lastWelcomeMs = c.lastWelcomeNs / 1e6;
  const cpuPct = s.cpu(c.startMs, Math.max(lastWelcomeMs, c.startMs + 1));
  const peakRss = s.sampler.peakRss('server', c.startMs, Date.now());
  const lastWelcomeSec = c.lastWelcomeNs > 0 ? round3((lastWelcomeMs - c.startMs) / 1000) : 0;
  return {
    attempted: c.attempted,
    welcomed: c.welcomed,
    failed: c.failed,
    connectErrors: c.errors,
    allWelcomedSec: c.welcomed === c.attempted ? lastWelcomeSec : undefined,
    lastWelcomeSec,
    held: snap.open,
    closeCodes: snap.closeCodes,
    settledQuiet: settled.quiet,
    bytes: snap.bytes,
    presenceBytes: snap.presenceBytes,
    presenceFrames: snap.presenceFrames,
    health,
    cpuPct,
    cpuWaitPct: s.cpuWait(c.startMs, Math.max(lastWelcomeMs, c.startMs + 1)),
    generatorSaturated: (cpuPct.generator ?? 0) >= GENERATOR_SATURATED_PCT,
    peakRssMiB: peakRss === undefined ? undefined : round1(peakRss / MiB),
  };
}
