import { mergeBuckets, percentiles } from '../histogram.js';
import { LoadGen, type ConnectedEvent, type PhaseEvent, type SettledEvent, type SnapshotEvent } from '../loadgen.js';
import type { Options } from '../options.js';
import type { Plan } from '../plan.js';
import { ProcSampler } from '../proc-sampler.js';
import { GENERATOR_SATURATED_PCT, type EndSummary, type PhaseSummary, type SetupSummary } from '../results.js';
import type { RunningServer } from '../servers/index.js';

/** Local addresses the generator's clients bind: one address runs out of ports near 28k. */
export const SOURCE_ADDRS = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6', '127.0.0.7', '127.0.0.8', '127.0.0.9'];

/** Margin on every generator answer beyond the time its command may take. */
const ANSWER_MARGIN_MS = 20_000;
/** Phases start this long after they are sent, so that every process starts together. */
const START_DELAY_MS = 300;

const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);
const addCounts = (maps: Record<string, number>[]): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const m of maps) for (const [k, v] of Object.entries(m)) out[k] = (out[k] ?? 0) + v;
  return out;
};

/** One server under one load generator, sampled from /proc, for one scenario cell. */
export class Session {
  readonly sampler = new ProcSampler();
  private loadgen: LoadGen | undefined;
  private phaseId = 0;

  constructor(
    readonly server: RunningServer,
    readonly opts: Options,
    readonly plan: Plan,
  ) {
    for (const [label, pids] of Object.entries(server.processes)) this.sampler.watch(label, pids);
    this.sampler.start();
  }

  get generatorProcesses(): number {
    return this.loadgen?.processes ?? 0;
  }

  get generator(): LoadGen {
    if (!this.loadgen) throw new Error('no load generator started');
    return this.loadgen;
  }

  startLoadGen(binary: string, clients: number): LoadGen {
    this.loadgen = LoadGen.start({
      binary,
      protocol: this.server.protocol,
      url: this.server.url,
      clients,
      maxPerProcess: this.opts.clientsPerProcess,
      minProcesses: 2,
      sourceAddrs: SOURCE_ADDRS,
      payloadBytes: this.opts.payloadBytes,
      cpus: this.opts.generatorCpus,
    });
    this.sampler.watch('generator', this.loadgen.pids());
    return this.loadgen;
  }

  /** CPU use of every watched process over [t0, t1], in % of one core. */
  cpu(t0: number, t1: number): Record<string, number | undefined> {
    const out: Record<string, number | undefined> = {};
    for (const label of this.sampler.labels()) out[label] = round1(this.sampler.cpuPercent(label, t0, t1));
    return out;
  }

  /** How long every watched process waited for a CPU over [t0, t1], in % of the window. */
  cpuWait(t0: number, t1: number): Record<string, number | undefined> {
    const out: Record<string, number | undefined> = {};
    for (const label of this.sampler.labels()) out[label] = round1(this.sampler.waitPercent(label, t0, t1));
    return out;
  }

  async connect(ratePerSec: number, timeoutMs: number, wantIds = false): Promise<ConnectedEvent & { startMs: number }> {
    const lg = this.generator;
    const startMs = Date.now() + START_DELAY_MS;
    const events = await lg.all<ConnectedEvent>(
      () => ({ cmd: 'connect', startAtNs: startMs * 1e6, ratePerSec: ratePerSec / lg.processes, timeoutMs, wantIds }),
      START_DELAY_MS + timeoutMs + ANSWER_MARGIN_MS,
    );
    const welcomes = events.filter((e) => e.welcomed > 0);
    return {
      startMs,
      attempted: sum(events.map((e) => e.attempted)),
      welcomed: sum(events.map((e) => e.welcomed)),
      failed: sum(events.map((e) => e.failed)),
      errors: addCounts(events.map((e) => e.errors)),
      firstWelcomeNs: Math.min(...welcomes.map((e) => e.firstWelcomeNs)),
      lastWelcomeNs: Math.max(0, ...welcomes.map((e) => e.lastWelcomeNs)),
      ids: wantIds ? events.flatMap((e) => e.ids ?? []) : undefined,
    };
  }

  async settle(): Promise<{ quiet: boolean; waitedMs: number }> {
    const events = await this.generator.all<SettledEvent>(
      () => ({ cmd: 'settle', quietMs: this.plan.settleQuietMs, maxMs: this.plan.settleMaxMs }),
      this.plan.settleMaxMs + ANSWER_MARGIN_MS,
    );
    return { quiet: events.every((e) => e.quiet), waitedMs: Math.max(...events.map((e) => e.waitedMs)) };
  }

  async snapshot(): Promise<SnapshotEvent> {
    const events = await this.generator.all<SnapshotEvent>(() => ({ cmd: 'snapshot' }), ANSWER_MARGIN_MS);
    return {
      open: sum(events.map((e) => e.open)),
      closed: sum(events.map((e) => e.closed)),
      closeCodes: addCounts(events.map((e) => e.closeCodes)),
      frames: sum(events.map((e) => e.frames)),
      bytes: sum(events.map((e) => e.bytes)),
      presenceFrames: sum(events.map((e) => e.presenceFrames)),
      presenceBytes: sum(events.map((e) => e.presenceBytes)),
      errorFrames: sum(events.map((e) => e.errorFrames)),
      stale: sum(events.map((e) => e.stale)),
    };
  }

  async end(): Promise<EndSummary> {
    const snap = await this.snapshot();
    return { held: snap.open, closeCodes: snap.closeCodes, stale: snap.stale };
  }

  /** Starts the generator, connects `clients` at the plan's rate and waits for quiet. */
  async setUp(binary: string, clients: number, wantIds = false): Promise<{ setup: SetupSummary; ids: string[] }> {
    this.startLoadGen(binary, clients);
    const c = await this.connect(this.plan.connectRate, this.plan.connectTimeoutMs, wantIds);
    const settled = await this.settle();
    const snap = await this.snapshot();
    return {
      ids: c.ids ?? [],
      setup: {
        clients,
        welcomed: c.welcomed,
        failed: c.failed,
        connectErrors: c.errors,
        connectSec: c.lastWelcomeNs > 0 ? round3((c.lastWelcomeNs / 1e6 - c.startMs) / 1000) : 0,
        settledQuiet: settled.quiet,
        settleMs: settled.waitedMs,
        held: snap.open,
        closeCodes: snap.closeCodes,
        bytes: snap.bytes,
        presenceBytes: snap.presenceBytes,
        presenceFrames: snap.presenceFrames,
      },
    };
  }

  /** One phase on every generator process; offeredPerSec is split evenly between them. */
  async phase(kind: 'broadcast' | 'direct', offeredPerSec: number, durationMs: number, targets: string[] = []): Promise<PhaseSummary> {
    const lg = this.generator;
    const id = ++this.phaseId;
    const startMs = Date.now() + START_DELAY_MS;
    const events = await lg.all<PhaseEvent>(
      () => ({
        cmd: 'phase',
        phase: id,
        kind,
        rate: offeredPerSec / lg.processes,
        durationMs,
        startAtNs: startMs * 1e6,
        targets,
        drainQuietMs: this.plan.drainQuietMs,
        drainMaxMs: this.plan.drainMaxMs,
      }),
      START_DELAY_MS + durationMs + this.plan.drainMaxMs + ANSWER_MARGIN_MS,
    );
    return this.summarize(kind, offeredPerSec, events);
  }

  private summarize(kind: 'broadcast' | 'direct', offeredPerSec: number, events: PhaseEvent[]): PhaseSummary {
    const sent = sum(events.map((e) => e.sent));
    const open = sum(events.map((e) => e.open));
    const expected = kind === 'broadcast' ? sent * open : sent;
    const delivered = sum(events.map((e) => (kind === 'broadcast' ? e.uniqueOpen : e.unique)));
    const t0 = Math.min(...events.map((e) => e.sendStartNs)) / 1e6;
    const t1 = Math.max(...events.map((e) => Math.max(e.sendEndNs, e.lastRecvNs))) / 1e6;
    const windowMs = Math.max(1, t1 - t0);
    const cpuPct = this.cpu(t0, t1);
    return {
      offeredPerSec,
      sent,
      sendErrors: sum(events.map((e) => e.sendErrors)),
      expected,
      delivered,
      lost: Math.max(0, expected - delivered),
      dup: sum(events.map((e) => e.dup)),
      errorFrames: sum(events.map((e) => e.errors)),
      deliveredPerSec: Math.round(sum(events.map((e) => e.unique)) / (windowMs / 1000)),
      latency: percentiles(mergeBuckets(events.map((e) => e.hist)), Math.max(...events.map((e) => e.maxUs))),
      windowMs: Math.round(windowMs),
      cpuPct,
      cpuWaitPct: this.cpuWait(t0, t1),
      generatorSaturated: (cpuPct.generator ?? 0) >= GENERATOR_SATURATED_PCT,
      sendLagMaxMs: round1(Math.max(...events.map((e) => e.sendLagMaxMs))) ?? 0,
      droppedClients: sum(events.map((e) => e.openAtStart)) - open,
    };
  }

  async close(): Promise<void> {
    try {
      await this.loadgen?.quit();
    } finally {
      this.sampler.stop();
      await this.server.stop();
    }
  }
}

export function round1(x: number | undefined): number | undefined {
  return x === undefined || !Number.isFinite(x) ? x : Math.round(x * 10) / 10;
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export const MiB = 1024 * 1024;
