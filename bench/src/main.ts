/**
 * `npm run bench`: CMF against Socket.IO, Centrifugo and a bare ws server, same scenarios,
 * same load generator, interleaved. See docs/benchmarks.md.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { updateDocs } from './docs.js';
import { parseOptions, USAGE, type Options } from './options.js';
import { FULL_PLAN, SMOKE_PLAN } from './plan.js';
import { stopAllStarted } from './processes.js';
import { renderMachine, renderReport } from './report.js';
import type { BenchResults, CellResult } from './results.js';
import { CellRunner } from './run-cells.js';
import { failedCells, nothingThrough, summarizeCell } from './summary.js';
import { buildTools, goVersion } from './tools.js';

const root = fileURLToPath(new URL('../../', import.meta.url));

function machine(): Record<string, string | number> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    go: goVersion(),
    loadAverageAtStart: loadavg().map((x) => x.toFixed(2)).join(' '),
  };
}

/** Prints (and with --write-docs, puts into docs/benchmarks.md) the tables of a results run. */
function publish(results: BenchResults, writeDocs: boolean): void {
  const text = `${renderMachine(results)}\n\n${renderReport(results)}`;
  process.stdout.write(`\n${text}\n`);
  if (writeDocs) {
    updateDocs(join(root, 'docs/benchmarks.md'), text);
    process.stderr.write('bench: docs/benchmarks.md updated\n');
  }
}

async function main(opts: Options): Promise<number> {
  if (opts.report) {
    publish(JSON.parse(readFileSync(opts.report, 'utf8')) as BenchResults, opts.writeDocs);
    return 0;
  }
  const plan = opts.smoke ? SMOKE_PLAN : FULL_PLAN;
  if (cpus().length < 2 && (opts.serverCpus || opts.generatorCpus)) {
    process.stderr.write('bench: fewer than 2 CPUs: nothing is pinned, and server and generator share the CPU\n');
    opts = { ...opts, serverCpus: undefined, generatorCpus: undefined };
  }
  const startedAt = new Date();
  const tools = buildTools(root, { centrifugo: opts.servers.includes('centrifugo') });
  const info = machine();
  process.stderr.write(
    `bench: ${opts.smoke ? 'smoke' : 'full'} run of ${opts.scenarios.join(',')} on ${opts.servers.join(',')}, ` +
      `${opts.runs} run(s); servers on CPU ${opts.serverCpus ?? 'any'}, generator on CPU ${opts.generatorCpus ?? 'any'}\n`,
  );
  mkdirSync(opts.outDir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const jsonPath = join(opts.outDir, `${stamp}.json`);
  const cells: CellResult[] = [];
  const results = (): BenchResults => ({
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    mode: opts.smoke ? 'smoke' : 'full',
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    note: opts.note,
    machine: { ...info, loadAverageAtEnd: loadavg().map((x) => x.toFixed(2)).join(' ') },
    builds: tools.buildSeconds,
    options: { ...opts, plan },
    scenarios: opts.scenarios,
    servers: opts.servers,
    cells,
  });
  // Written after every cell, so that an interrupted run keeps what it measured.
  const save = (): void => writeFileSync(jsonPath, `${JSON.stringify(results(), null, 1)}\n`);
  const runner = new CellRunner(root, opts, plan, tools, (cell: CellResult) => {
    cells.push(cell);
    save();
    process.stderr.write(`bench: ${summarizeCell(cell)}\n`);
  });
  const interrupt = (signal: NodeJS.Signals): void => {
    process.stderr.write(`bench: ${signal}: stopping what the run started; what was measured is in ${jsonPath}\n`);
    runner.close();
    void stopAllStarted().then(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);

  await runner.runAll();
  save();
  const final = results();
  writeFileSync(join(opts.outDir, `${stamp}.md`), `${renderMachine(final)}\n\n${renderReport(final)}\n`);
  publish(final, opts.writeDocs);
  process.stderr.write(`bench: results in ${jsonPath} (and .md)\n`);

  // Nothing through at smoke sizes is a broken harness or protocol; at full sizes, a figure.
  const empty = nothingThrough(cells);
  const problems = [...failedCells(cells), ...(opts.smoke ? empty : [])];
  if (!opts.smoke) for (const e of empty) process.stderr.write(`bench: note: ${e}\n`);
  for (const p of problems) process.stderr.write(`bench: FAILED: ${p}\n`);
  const seconds = Math.round((Date.now() - startedAt.getTime()) / 1000);
  process.stderr.write(`bench: ${cells.length} cells measured, ${problems.length} unusable, in ${seconds} s\n`);
  return problems.length === 0 ? 0 : 1;
}

let opts: Options | 'help';
try {
  opts = parseOptions(process.argv.slice(2), join(root, 'bench/results'));
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\n${USAGE}\n`);
  process.exit(2);
}
if (opts === 'help') {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
main(opts).then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`bench: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await stopAllStarted();
    process.exit(1);
  },
);
