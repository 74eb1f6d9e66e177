import type { Percentiles } from './histogram.js';
import type { Scenario } from './options.js';

/** The generator process(es) used more than this share of their core: figures are lower bounds. */
export const GENERATOR_SATURATED_PCT = 90;

/** One phase of traffic, all generator processes together. */
export interface PhaseSummary {
  /** Messages a second the generator was asked to send (broadcasts or direct messages). */
  offeredPerSec: number;
  sent: number;
  sendErrors: number;
  /** Deliveries due: sent × clients open at the end for broadcasts, sent for direct messages. */
  expected: number;
  delivered: number;
  lost: number;
  dup: number;
  errorFrames: number;
  /** Unique deliveries over the time from the first send to the last delivery. */
  deliveredPerSec: number;
  latency: Percentiles;
  windowMs: number;
  cpuPct: Record<string, number | undefined>;
  /** Time each process's threads waited for a CPU (other processes), in % of the window. */
  cpuWaitPct: Record<string, number | undefined>;
  generatorSaturated: boolean;
  sendLagMaxMs: number;
  droppedClients: number;
}

/** Connecting the clients a scenario needs, then waiting for the server to go quiet. */
export interface SetupSummary {
  clients: number;
  welcomed: number;
  failed: number;
  connectErrors: Record<string, number>;
  connectSec: number;
  settledQuiet: boolean;
  settleMs: number;
  held: number;
  closeCodes: Record<string, number>;
  bytes: number;
  presenceBytes: number;
  presenceFrames: number;
}

export interface S1Data {
  setup: SetupSummary;
  rssBaseMiB: number;
  rssMiB: number;
  kibPerConnection: number;
  idleCpuPct: Record<string, number | undefined>;
  idleBytes: number;
  rssMiBOthers: Record<string, number | undefined>;
}

export interface S2Step extends PhaseSummary {
  passed: boolean;
  failReason?: string;
}

/** The clients at the end of a cell: how many the server still held, and how it closed the rest. */
export interface EndSummary {
  held: number;
  closeCodes: Record<string, number>;
  /** Deliveries that arrived after their phase was reported. */
  stale: number;
}

export interface S2Data {
  setup: SetupSummary;
  steps: S2Step[];
  end?: EndSummary;
  ceiling?: {
    deliveriesPerSec: number;
    serverCpuPct?: number;
    serverCpuWaitPct?: number;
    generatorCpuPct?: number;
    p99Ms: number;
    lowerBound: boolean;
    limit: string;
  };
}

export interface S3Data {
  setup: SetupSummary;
  phase: PhaseSummary;
  end?: EndSummary;
}

export interface S4Data {
  setup: SetupSummary;
  steps: PhaseSummary[];
  end?: EndSummary;
}

export interface S5Data {
  attempted: number;
  welcomed: number;
  failed: number;
  connectErrors: Record<string, number>;
  /** From the common start to the last welcome; undefined unless every client was welcomed. */
  allWelcomedSec?: number;
  lastWelcomeSec: number;
  held: number;
  closeCodes: Record<string, number>;
  settledQuiet: boolean;
  bytes: number;
  presenceBytes: number;
  presenceFrames: number;
  health?: { probes: number; failed: number; maxMs: number };
  cpuPct: Record<string, number | undefined>;
  cpuWaitPct: Record<string, number | undefined>;
  generatorSaturated: boolean;
  peakRssMiB?: number;
}

interface CellBase {
  server: string;
  size: number;
  run: number;
  startedAt: string;
  seconds: number;
  generatorProcesses: number;
  error?: string;
}

export type CellResult = CellBase &
  (
    | { scenario: 'S1'; data?: S1Data }
    | { scenario: 'S2'; data?: S2Data }
    | { scenario: 'S3'; data?: S3Data }
    | { scenario: 'S4'; data?: S4Data }
    | { scenario: 'S5'; data?: S5Data }
  );

export type ScenarioData = { S1: S1Data; S2: S2Data; S3: S3Data; S4: S4Data; S5: S5Data };

export interface BenchResults {
  startedAt: string;
  finishedAt: string;
  mode: 'full' | 'smoke';
  command: string;
  note?: string;
  machine: Record<string, string | number>;
  builds: Record<string, number>;
  options: Record<string, unknown>;
  scenarios: Scenario[];
  servers: string[];
  cells: CellResult[];
}
