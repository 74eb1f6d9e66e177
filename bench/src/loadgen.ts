import { createInterface } from 'node:readline';
import { isRunning, sleep, startProcess, stopProcess, type Started } from './processes.js';
import type { Buckets } from './histogram.js';

/** The generator's wire types: see bench/loadgen/control.go. */
export type Protocol = 'cmf' | 'socketio' | 'centrifugo';

export interface ConnectedEvent {
  attempted: number;
  welcomed: number;
  failed: number;
  errors: Record<string, number>;
  firstWelcomeNs: number;
  lastWelcomeNs: number;
  ids?: string[];
}

export interface SettledEvent {
  quiet: boolean;
  waitedMs: number;
}

export interface PhaseEvent {
  phase: number;
  sent: number;
  sendErrors: number;
  sendLagMaxMs: number;
  sendStartNs: number;
  sendEndNs: number;
  received: number;
  uniqueOpen: number;
  unique: number;
  dup: number;
  errors: number;
  firstRecvNs: number;
  lastRecvNs: number;
  openAtStart: number;
  open: number;
  hist: Buckets;
  maxUs: number;
}

export interface SnapshotEvent {
  open: number;
  closed: number;
  closeCodes: Record<string, number>;
  frames: number;
  bytes: number;
  presenceFrames: number;
  presenceBytes: number;
  errorFrames: number;
  stale: number;
}

export interface LoadGenOptions {
  binary: string;
  protocol: Protocol;
  url: string;
  clients: number;
  /** Clients per process at most (a process may hold 20,000 open files here). */
  maxPerProcess: number;
  /** At least this many processes. */
  minProcesses: number;
  sourceAddrs: string[];
  payloadBytes: number;
  cpus?: string;
}

/** One generator process and its line-by-line conversation. */
class LoadGenProcess {
  private readonly lines: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private closed = false;

  constructor(readonly proc: Started) {
    // A process that has died makes writes fail with EPIPE; next() reports its exit instead.
    proc.child.stdin!.on('error', () => undefined);
    const rl = createInterface({ input: proc.child.stdout! });
    rl.on('line', (line) => {
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = undefined;
        w(line);
      } else this.lines.push(line);
    });
    rl.on('close', () => {
      this.closed = true;
      this.waiting?.(undefined);
    });
  }

  send(message: object): void {
    this.proc.child.stdin!.write(`${JSON.stringify(message)}\n`);
  }

  /** The next event line, parsed; rejects after timeoutMs or when the process ends. */
  next<T>(timeoutMs: number): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        reject(new Error(`${this.proc.label}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      const take = (line: string | undefined): void => {
        clearTimeout(timer);
        if (line === undefined) reject(new Error(`${this.proc.label} exited: ${this.proc.stderrTail() || 'no message'}`));
        else resolve(JSON.parse(line) as T);
      };
      const queued = this.lines.shift();
      if (queued !== undefined) take(queued);
      else if (this.closed) take(undefined);
      else this.waiting = take;
    });
  }
}

/**
 * The load generator: several cmf-loadgen processes, the clients spread evenly over them,
 * every command sent to all of them and their answers collected.
 */
export class LoadGen {
  private constructor(
    private readonly procs: LoadGenProcess[],
    readonly clientsPerProcess: number[],
  ) {}

  static start(o: LoadGenOptions): LoadGen {
    const n = Math.max(o.minProcesses, Math.ceil(o.clients / o.maxPerProcess));
    const counts = Array.from({ length: n }, (_, i) => Math.floor(o.clients / n) + (i < o.clients % n ? 1 : 0));
    const procs = counts.map((clients, proc) => {
      const p = startProcess(`cmf-loadgen ${proc}`, o.binary, [], { cpus: o.cpus, stdio: 'pipe' });
      const lg = new LoadGenProcess(p);
      lg.send({ proc, procs: n, protocol: o.protocol, url: o.url, clients, sourceAddrs: o.sourceAddrs, payloadBytes: o.payloadBytes });
      return lg;
    });
    return new LoadGen(procs, counts);
  }

  get processes(): number {
    return this.procs.length;
  }

  pids(): number[] {
    return this.procs.map((p) => p.proc.pid);
  }

  /** Sends each process its command and waits for every answer. */
  async all<T>(command: (proc: number) => object, timeoutMs: number): Promise<T[]> {
    this.procs.forEach((p, i) => p.send(command(i)));
    return Promise.all(this.procs.map((p) => p.next<T>(timeoutMs)));
  }

  async quit(): Promise<void> {
    await Promise.all(
      this.procs.map(async (p) => {
        if (isRunning(p.proc)) p.send({ cmd: 'quit' });
        await Promise.race([p.proc.exited, sleep(3000)]);
        await stopProcess(p.proc, 2000);
      }),
    );
  }
}
