import { sleep } from '../processes.js';
import type { S1Data } from '../results.js';
import { MiB, round1, type Session } from './session.js';

/** S1 idle: hold `size` connections with no traffic; RSS per connection and CPU at rest. */
export async function runS1(s: Session, size: number, loadgen: string): Promise<S1Data> {
  // The server's RSS once it has started and settled, before any client.
  await sleep(1000);
  s.sampler.sampleNow();
  const rssBase = s.sampler.rssAt('server', Date.now()) ?? 0;
  const { setup } = await s.setUp(loadgen, size);
  const before = await s.snapshot();
  const t0 = Date.now();
  await sleep(s.plan.S1.idleMs);
  const t1 = Date.now();
  s.sampler.sampleNow();
  const after = await s.snapshot();
  const rss = s.sampler.rssAt('server', t1) ?? 0;
  const others: Record<string, number | undefined> = {};
  for (const label of s.sampler.labels()) if (label !== 'server') others[label] = round1((s.sampler.rssAt(label, t1) ?? 0) / MiB);
  return {
    setup: { ...setup, held: after.open, closeCodes: after.closeCodes },
    rssBaseMiB: round1(rssBase / MiB) ?? 0,
    rssMiB: round1(rss / MiB) ?? 0,
    kibPerConnection: after.open > 0 ? (round1((rss - rssBase) / 1024 / after.open) ?? NaN) : NaN,
    idleCpuPct: s.cpu(t0, t1),
    idleBytes: after.bytes - before.bytes,
    rssMiBOthers: others,
  };
}
