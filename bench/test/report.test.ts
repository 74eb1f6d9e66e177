import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { updateDocs } from '../src/docs.js';
import { renderReport } from '../src/report.js';
import type { BenchResults, CellResult, PhaseSummary, SetupSummary } from '../src/results.js';

const setup: SetupSummary = {
  clients: 1000,
  welcomed: 1000,
  failed: 0,
  connectErrors: {},
  connectSec: 0.5,
  settledQuiet: true,
  settleMs: 1000,
  held: 1000,
  closeCodes: {},
  bytes: 0,
  presenceBytes: 0,
  presenceFrames: 0,
};

function phase(p99Ms: number, generatorSaturated = false): PhaseSummary {
  return {
    offeredPerSec: 50,
    sent: 1000,
    sendErrors: 0,
    expected: 1_000_000,
    delivered: 1_000_000,
    lost: 0,
    dup: 0,
    errorFrames: 0,
    deliveredPerSec: 50_000,
    latency: { count: 1_000_000, p50Ms: 2, p90Ms: 5, p99Ms, p999Ms: p99Ms * 2, maxMs: 90 },
    windowMs: 20_000,
    cpuPct: { server: 40, generator: generatorSaturated ? 95 : 30 },
    cpuWaitPct: { server: 2 },
    generatorSaturated,
    sendLagMaxMs: 1,
    droppedClients: 0,
  };
}

const cell = (server: string, run: number, c: Partial<CellResult>): CellResult =>
  ({ server, run, size: 1000, startedAt: '', seconds: 1, generatorProcesses: 2, ...c }) as CellResult;

function results(cells: CellResult[]): BenchResults {
  return {
    startedAt: '',
    finishedAt: '',
    mode: 'full',
    command: 'npm run bench',
    machine: {},
    builds: {},
    options: {},
    scenarios: ['S2', 'S3'],
    servers: ['cmf-memory', 'ws'],
    cells,
  };
}

describe('the report', () => {
  const report = renderReport(
    results([
      cell('cmf-memory', 1, { scenario: 'S3', data: { setup, phase: phase(20) } }),
      cell('ws', 1, { scenario: 'S3', data: { setup, phase: phase(10) } }),
      cell('cmf-memory', 2, { scenario: 'S3', data: { setup, phase: phase(30, true) } }),
      cell('ws', 2, { scenario: 'S3', error: 'ws-server.js: not ready after 30000 ms' }),
      cell('ws', 1, {
        scenario: 'S2',
        data: {
          setup,
          steps: [],
          ceiling: { deliveriesPerSec: 800_000, p99Ms: 50, lowerBound: true, limit: 'top of the ladder', serverCpuPct: 80 },
        },
      }),
    ]),
  );
  const line = (start: string): string => report.split('\n').find((l) => l.startsWith(start)) ?? '';

  test('each server is a row with the runs in order; † marks a saturated generator; a failed run says why', () => {
    expect(line('| cmf-memory | 2.00 / 2.00†')).toContain('| 20.0 / 30.0† |');
    expect(line('| ws | 2.00 / failed |')).toContain('| 10.0 / failed |');
    expect(report).toContain('- ws run 2 failed: ws-server.js: not ready after 30000 ms');
  });

  test('a fan-out ceiling that is a lower bound is shown with ≥', () => {
    expect(line('| ws | 1000 | ≥800k |')).toContain('top of the ladder');
  });

  test('CMF / peer ratios of the medians', () => {
    // cmf-memory p99: median of 20 and 30 = 25; ws: 10 (its failed run has no figure).
    expect(line('| S3 1000: p99 ms |')).toBe('| S3 1000: p99 ms | lower | 25.0 | 10.0 | 2.50× |');
  });
});

describe('docs/benchmarks.md update', () => {
  test('replaces only what lies between the markers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-docs-'));
    try {
      const path = join(dir, 'benchmarks.md');
      writeFileSync(path, '# B\nbefore\n<!-- bench:results:begin -->\nold\n<!-- bench:results:end -->\nafter\n');
      updateDocs(path, 'new table');
      expect(readFileSync(path, 'utf8')).toBe('# B\nbefore\n<!-- bench:results:begin -->\n\nnew table\n\n<!-- bench:results:end -->\nafter\n');
      writeFileSync(path, 'no markers');
      expect(() => updateDocs(path, 'x')).toThrow('no <!-- bench:results:begin -->');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
