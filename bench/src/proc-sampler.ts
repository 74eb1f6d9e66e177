import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

interface Sample {
  t: number; // ms, wall clock
  cpuTicks: number; // user + system, all threads
  rssBytes: number;
  waitNs: number; // time its threads were ready to run but waited for a CPU, all threads
}

/** Clock ticks a second of /proc/<pid>/stat's times. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * Run-queue wait of every thread of a process (/proc/<pid>/task/<tid>/schedstat, second
 * field, ns): on a shared machine, how long it was starved of CPU by other processes.
 */
function runQueueWaitNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return total;
}

/** CPU time, RSS and run-queue wait of one process now, or undefined once it is gone. */
export function readProc(pid: number): Omit<Sample, 't'> | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuTicks = Number(fields[11]) + Number(fields[12]);
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return { cpuTicks, rssBytes: rss ? Number(rss[1]) * 1024 : 0, waitNs: runQueueWaitNs(pid) };
  } catch {
    return undefined;
  }
}

/**
 * Samples CPU and RSS of labelled processes from /proc every intervalMs, so that any window
 * of a run can be asked for afterwards. A label may cover several processes (the generator's).
 */
export class ProcSampler {
  private readonly watched = new Map<string, number[]>();
  private readonly samples = new Map<number, Sample[]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 200) {}

  watch(label: string, pids: number[]): void {
    this.watched.set(label, [...(this.watched.get(label) ?? []), ...pids]);
    for (const pid of pids) if (!this.samples.has(pid)) this.samples.set(pid, []);
    this.sampleNow();
  }

  start(): void {
    this.timer ??= setInterval(() => this.sampleNow(), this.intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  sampleNow(): void {
    const t = Date.now();
    for (const [pid, list] of this.samples) {
      const s = readProc(pid);
      if (s) list.push({ t, ...s });
    }
  }

  labels(): string[] {
    return [...this.watched.keys()];
  }

  /** CPU use over [t0, t1] in percent of one core, summed over the label's processes. */
  cpuPercent(label: string, t0: number, t1: number): number | undefined {
    return this.rate(label, t0, t1, (a, b) => (b.cpuTicks - a.cpuTicks) / CLK_TCK);
  }

  /** Time spent waiting for a CPU over [t0, t1], in percent of the window, summed over threads. */
  waitPercent(label: string, t0: number, t1: number): number | undefined {
    return this.rate(label, t0, t1, (a, b) => (b.waitNs - a.waitNs) / 1e9);
  }

  /** seconds(a, b) over the window's seconds, in percent, summed over the label's processes. */
  private rate(label: string, t0: number, t1: number, seconds: (a: Sample, b: Sample) => number): number | undefined {
    let total: number | undefined;
    for (const pid of this.watched.get(label) ?? []) {
      const list = this.samples.get(pid) ?? [];
      const a = lastAtOrBefore(list, t0) ?? list[0];
      const b = firstAtOrAfter(list, t1) ?? list[list.length - 1];
      if (!a || !b || b.t <= a.t) continue;
      total = (total ?? 0) + (seconds(a, b) / ((b.t - a.t) / 1000)) * 100;
    }
    return total;
  }

  /** RSS at time t (the nearest sample before it), summed over the label's processes. */
  rssAt(label: string, t: number): number | undefined {
    let total: number | undefined;
    for (const pid of this.watched.get(label) ?? []) {
      const list = this.samples.get(pid) ?? [];
      const s = lastAtOrBefore(list, t) ?? list[0];
      if (s) total = (total ?? 0) + s.rssBytes;
    }
    return total;
  }

  /** Highest RSS sampled in [t0, t1], summed over the label's processes. */
  peakRss(label: string, t0: number, t1: number): number | undefined {
    let total: number | undefined;
    for (const pid of this.watched.get(label) ?? []) {
      const inWindow = (this.samples.get(pid) ?? []).filter((s) => s.t >= t0 && s.t <= t1);
      if (inWindow.length > 0) total = (total ?? 0) + Math.max(...inWindow.map((s) => s.rssBytes));
    }
    return total;
  }
}

function lastAtOrBefore(list: Sample[], t: number): Sample | undefined {
  let found: Sample | undefined;
  for (const s of list) {
    if (s.t > t) break;
    found = s;
  }
  return found;
}

function firstAtOrAfter(list: Sample[], t: number): Sample | undefined {
  return list.find((s) => s.t >= t);
}
