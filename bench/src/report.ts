import { fmtBytes, fmtCodes, fmtCount, fmtMs, fmtNum, fmtRatio, markdownTable, median } from './format.js';
import type { Scenario } from './options.js';
import type { BenchResults, CellResult, PhaseSummary, ScenarioData } from './results.js';

type DataOf<S extends Scenario> = ScenarioData[S];

/** The cells of one scenario and size, by server, runs in order. */
function byServer<S extends Scenario>(r: BenchResults, scenario: S, size: number): Map<string, (CellResult & { scenario: S })[]> {
  const out = new Map<string, (CellResult & { scenario: S })[]>();
  for (const server of r.servers) {
    const cells = r.cells.filter((c): c is CellResult & { scenario: S } => c.scenario === scenario && c.size === size && c.server === server);
    if (cells.length > 0) out.set(server, cells.sort((a, b) => a.run - b.run));
  }
  return out;
}

function sizes(r: BenchResults, scenario: Scenario): number[] {
  return [...new Set(r.cells.filter((c) => c.scenario === scenario).map((c) => c.size))].sort((a, b) => a - b);
}

/** One value per run, " / " between runs; a failed run shows "failed" (its error goes under the table). */
function perRun<S extends Scenario>(cells: (CellResult & { scenario: S })[], show: (d: DataOf<S>) => string): string {
  return cells.map((c) => (c.data ? show(c.data as DataOf<S>) : 'failed')).join(' / ');
}

/** A heading, the table, and a line for each failed run with its error's first line. */
function section(title: string, table: string, cells: Map<string, CellResult[]>): string {
  const failures = [...cells.values()]
    .flat()
    .filter((c) => c.error)
    .map((c) => `- ${c.server} run ${c.run} failed: ${(c.error ?? '').split('\n')[0]}`);
  return [`### ${title}`, table, ...(failures.length > 0 ? [failures.join('\n')] : [])].join('\n\n');
}

/** RSS per connection says little when the server dropped most clients: then it is left out. */
const perConnection = (d: DataOf<'S1'>): number | undefined => (d.setup.held >= d.setup.clients / 2 ? d.kibPerConnection : undefined);

/** † marks a figure taken while the generator used ≥ 90% of its core. */
const dagger = (p: PhaseSummary): string => (p.generatorSaturated ? '†' : '');

/** Run-queue wait of the server, and in brackets of the generator processes together. */
const waits = (w: Record<string, number | undefined> | undefined): string => `${fmtNum(w?.server, 0)} (${fmtNum(w?.generator, 0)})`;

function s1Tables(r: BenchResults): string[] {
  return sizes(r, 'S1').map((size) => {
    const servers = byServer(r, 'S1', size);
    const rows = [...servers].map(([server, cells]) => [
      server,
      perRun(cells, (d) => `${d.setup.held}`),
      perRun(cells, (d) => fmtNum(perConnection(d))),
      perRun(cells, (d) => `${fmtNum(d.rssBaseMiB, 0)}→${fmtNum(d.rssMiB, 0)}`),
      perRun(cells, (d) => fmtNum(d.idleCpuPct.server)),
      perRun(cells, (d) => fmtBytes(d.setup.presenceBytes)),
      perRun(cells, (d) => fmtCodes(d.setup.closeCodes)),
      perRun(cells, (d) => `${d.setup.connectSec.toFixed(1)}`),
    ]);
    return section(`S1 idle, ${size} connections`, markdownTable(
      ['server', 'held', 'KiB RSS / connection', 'RSS MiB (empty→held)', 'CPU % at rest', 'presence bytes', 'closed by server', 'connect s'],
      rows,
    ), servers);
  });
}

function s2Tables(r: BenchResults): string[] {
  return sizes(r, 'S2').map((size) => {
    const servers = byServer(r, 'S2', size);
    const rows = [...servers].map(([server, cells]) => [
      server,
      perRun(cells, (d) => `${d.setup.held}`),
      perRun(cells, (d) => (d.ceiling ? `${d.ceiling.lowerBound ? '≥' : ''}${fmtCount(d.ceiling.deliveriesPerSec)}` : 'none')),
      perRun(cells, (d) => fmtMs(d.ceiling?.p99Ms)),
      perRun(cells, (d) => fmtNum(d.ceiling?.serverCpuPct)),
      perRun(cells, (d) => fmtNum(d.ceiling?.serverCpuWaitPct, 0)),
      perRun(cells, (d) => fmtNum(d.ceiling?.generatorCpuPct)),
      perRun(cells, (d) => d.ceiling?.limit ?? d.steps[0]?.failReason ?? 'no step ran'),
    ]);
    return section(`S2 fan-out, ${size} clients: highest broadcast rate with p99 < 100 ms and nothing lost`, markdownTable(
      ['server', 'held', 'deliveries/s', 'p99 ms', 'server CPU %', 'server CPU wait %', 'generator CPU %', 'what ended the ladder'],
      rows,
    ), servers);
  });
}

function s3Tables(r: BenchResults): string[] {
  return sizes(r, 'S3').map((size) => {
    const servers = byServer(r, 'S3', size);
    const rows = [...servers].map(([server, cells]) => {
      const p = (f: (x: PhaseSummary) => string): string => perRun(cells, (d) => f(d.phase));
      return [
        server,
        p((x) => fmtMs(x.latency.p50Ms) + dagger(x)),
        p((x) => fmtMs(x.latency.p99Ms) + dagger(x)),
        p((x) => fmtMs(x.latency.p999Ms) + dagger(x)),
        p((x) => fmtMs(x.latency.maxMs) + dagger(x)),
        p((x) => `${fmtCount(x.delivered)}/${fmtCount(x.expected)}`),
        p((x) => String(x.lost)),
        p((x) => String(x.dup)),
        perRun(cells, (d) => (d.end ? fmtCodes(d.end.closeCodes) : '—')),
        p((x) => fmtNum(x.cpuPct.server)),
        p((x) => fmtNum(x.cpuPct.generator)),
        p((x) => waits(x.cpuWaitPct)),
      ];
    });
    const plan = r.cells.find((c) => c.scenario === 'S3' && c.data);
    const rate = plan?.scenario === 'S3' ? plan.data?.phase.offeredPerSec : undefined;
    return section(`S3 latency, ${size} clients × ${rate ?? '?'} broadcasts/s`, markdownTable(
      ['server', 'p50 ms', 'p99 ms', 'p99.9 ms', 'max ms', 'delivered', 'lost', 'dup', 'closed by server', 'server CPU %', 'generator CPU %', 'CPU wait % server (generator)'],
      rows,
    ), servers);
  });
}

function s4Tables(r: BenchResults): string[] {
  return sizes(r, 'S4').map((size) => {
    const servers = byServer(r, 'S4', size);
    const rates = [...new Set([...servers.values()].flat().flatMap((c) => c.data?.steps.map((s) => s.offeredPerSec) ?? []))].sort((a, b) => a - b);
    const rows: string[][] = [];
    for (const rate of rates) {
      for (const [server, cells] of servers) {
        const p = (f: (x: PhaseSummary) => string): string =>
          perRun(cells, (d) => {
            const step = d.steps.find((s) => s.offeredPerSec === rate);
            return step ? f(step) : '—';
          });
        rows.push([
          fmtCount(rate),
          server,
          p((x) => fmtMs(x.latency.p50Ms) + dagger(x)),
          p((x) => fmtMs(x.latency.p99Ms) + dagger(x)),
          p((x) => fmtMs(x.latency.maxMs) + dagger(x)),
          p((x) => fmtCount(x.deliveredPerSec) + dagger(x)),
          p((x) => String(x.lost)),
          p((x) => fmtNum(x.cpuPct.server)),
          p((x) => fmtNum(x.cpuPct.generator)),
          p((x) => waits(x.cpuWaitPct)),
        ]);
      }
    }
    return section(`S4 direct, ${size} clients sending to random others`, markdownTable(
      ['sent/s', 'server', 'p50 ms', 'p99 ms', 'max ms', 'delivered/s', 'lost', 'server CPU %', 'generator CPU %', 'CPU wait % server (generator)'],
      rows,
    ), servers);
  });
}

function s5Tables(r: BenchResults): string[] {
  return sizes(r, 'S5').map((size) => {
    const servers = byServer(r, 'S5', size);
    const rows = [...servers].map(([server, cells]) => [
      server,
      perRun(cells, (d) => `${d.welcomed}`),
      perRun(cells, (d) => (d.allWelcomedSec === undefined ? `not all (last ${d.lastWelcomeSec.toFixed(1)})` : d.allWelcomedSec.toFixed(2))),
      perRun(cells, (d) => String(d.attempted - d.held)),
      perRun(cells, (d) => fmtBytes(d.bytes)),
      perRun(cells, (d) => fmtBytes(d.presenceBytes)),
      perRun(cells, (d) => (d.health ? `${d.health.maxMs}${d.health.failed ? ` (${d.health.failed} failed)` : ''}` : '—')),
      perRun(cells, (d) => fmtNum(d.cpuPct.server)),
      perRun(cells, (d) => fmtNum(d.cpuPct.generator) + (d.generatorSaturated ? '†' : '')),
      perRun(cells, (d) => waits(d.cpuWaitPct)),
    ]);
    return section(`S5 storm, ${size} connections at once`, markdownTable(
      ['server', 'welcomed', 'all welcomed in s', 'dropped', 'bytes received', 'presence bytes', '/health max ms', 'server CPU %', 'generator CPU %', 'CPU wait % server (generator)'],
      rows,
    ), servers);
  });
}

/** A figure compared across servers: its value per cell, and which way is better. */
interface KeyFigure {
  name: string;
  better: 'lower' | 'higher';
  format(x: number | undefined): string;
  value(server: string): number | undefined;
}

function keyFigures(r: BenchResults): KeyFigure[] {
  const med = <S extends Scenario>(scenario: S, size: number, get: (d: DataOf<S>) => number | undefined) => (server: string) =>
    median((byServer(r, scenario, size).get(server) ?? []).map((c) => (c.data ? get(c.data as DataOf<S>) : undefined)));
  const figures: KeyFigure[] = [];
  for (const size of sizes(r, 'S1')) {
    figures.push({ name: `S1 ${size}: KiB per connection`, better: 'lower', format: fmtMs, value: med('S1', size, perConnection) });
  }
  for (const size of sizes(r, 'S2')) {
    figures.push({ name: `S2 ${size}: deliveries/s, p99 < 100 ms`, better: 'higher', format: fmtCount, value: med('S2', size, (d) => d.ceiling?.deliveriesPerSec) });
  }
  for (const size of sizes(r, 'S3')) {
    figures.push({ name: `S3 ${size}: p99 ms`, better: 'lower', format: fmtMs, value: med('S3', size, (d) => d.phase.latency.p99Ms) });
    figures.push({ name: `S3 ${size}: p99.9 ms`, better: 'lower', format: fmtMs, value: med('S3', size, (d) => d.phase.latency.p999Ms) });
  }
  for (const size of sizes(r, 'S4')) {
    const rates = [...new Set(r.cells.flatMap((c) => (c.scenario === 'S4' && c.data ? c.data.steps.map((s) => s.offeredPerSec) : [])))];
    for (const rate of rates.sort((a, b) => a - b)) {
      const step = (d: DataOf<'S4'>) => d.steps.find((s) => s.offeredPerSec === rate);
      figures.push({ name: `S4 ${fmtCount(rate)}/s: p99 ms`, better: 'lower', format: fmtMs, value: med('S4', size, (d) => step(d)?.latency.p99Ms) });
      figures.push({ name: `S4 ${fmtCount(rate)}/s: delivered/s`, better: 'higher', format: fmtCount, value: med('S4', size, (d) => step(d)?.deliveredPerSec) });
    }
  }
  for (const size of sizes(r, 'S5')) {
    figures.push({ name: `S5 ${size}: s to all welcomed`, better: 'lower', format: fmtMs, value: med('S5', size, (d) => d.allWelcomedSec) });
  }
  return figures;
}

/** CMF's key figures divided by each peer's (medians over runs). */
function ratioTable(r: BenchResults): string | undefined {
  const cmf = r.servers.filter((s) => s.startsWith('cmf'));
  const peers = r.servers.filter((s) => !s.startsWith('cmf'));
  if (cmf.length === 0 || peers.length === 0) return undefined;
  const header = ['figure', 'better', ...cmf, ...peers, ...cmf.flatMap((c) => peers.map((p) => `${c} / ${p}`))];
  const rows = keyFigures(r).map((f) => [
    f.name,
    f.better,
    ...[...cmf, ...peers].map((s) => f.format(f.value(s))),
    ...cmf.flatMap((c) => peers.map((p) => {
      const [a, b] = [f.value(c), f.value(p)];
      return a !== undefined && b !== undefined && b !== 0 ? fmtRatio(a / b) : '—';
    })),
  ]);
  return `### CMF / peer (medians over runs)\n\n${markdownTable(header, rows)}`;
}

export function renderReport(r: BenchResults): string {
  const tables = [...s1Tables(r), ...s2Tables(r), ...s3Tables(r), ...s4Tables(r), ...s5Tables(r)];
  const ratios = ratioTable(r);
  const legend =
    'Several values in a cell are the runs, in order. † the load generator used ≥ 90% of its core in that phase: ' +
    "rates there are lower bounds and latencies include the generator's own delay. ≥ the ceiling is a lower bound " +
    '(the ladder ran out, or the generator was saturated when the next step failed). CPU wait: how long the ' +
    "threads of the server (of the generator's processes, summed) were ready to run but waited for a core taken by " +
    "other processes, in % of the window; where it is high, the latency is the machine's, not the server's.";
  return [...tables, ...(ratios ? [ratios] : []), legend].join('\n\n');
}

export function renderMachine(r: BenchResults): string {
  const m = r.machine;
  const lines = Object.entries(m).map(([k, v]) => `- ${k}: ${v}`);
  const builds = Object.entries(r.builds).map(([k, v]) => `${k} ${v.toFixed(1)} s`).join(', ');
  return [
    `Run ${r.startedAt} → ${r.finishedAt} (${r.mode}), \`${r.command}\`${r.note ? `; note: ${r.note}` : ''}.`,
    ...lines,
    `- builds this run: ${builds || 'none'}`,
  ].join('\n');
}
