import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SERVER_NAMES, type ServerName } from './servers/server.js';

export const SCENARIOS = ['S1', 'S2', 'S3', 'S4', 'S5'] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Options {
  smoke: boolean;
  scenarios: Scenario[];
  servers: ServerName[];
  runs: number;
  /** ?presence=<mode> on CMF clients' URL; undefined: CMF's default. */
  cmfPresence?: string;
  cmfEnv: Record<string, string>;
  /** Where CMF's processes write V8 CPU profiles (--cpu-prof); undefined: not profiled. */
  cmfProfileDir?: string;
  serverCpus?: string;
  generatorCpus?: string;
  payloadBytes: number;
  /** Clients per generator process at most. */
  clientsPerProcess: number;
  outDir: string;
  writeDocs: boolean;
  note?: string;
  /** Render this results file instead of measuring. */
  report?: string;
}

export const USAGE = `usage: npm run bench -- [options]
  --smoke                every scenario for seconds, with every server (CI)
  --only S1,S3           scenarios to run (default: all; S1 idle, S2 fan-out, S3 latency, S4 direct, S5 storm)
  --servers a,b          servers (default: ${SERVER_NAMES.join(',')})
  --runs N               times each scenario runs on each server, interleaved (default 2; smoke 1)
  --cmf-presence MODE    CMF clients connect with ?presence=MODE (none, delta, full); default: no query
  --env KEY=VALUE        extra environment for CMF's processes (repeatable), e.g. --env GATEWAY_TIMEOUT_MS=60000
  --cmf-profile DIR      CMF's processes write V8 CPU profiles into DIR (node --cpu-prof), one per process
  --server-cpus LIST     taskset CPU list of the servers (default 0; "" not pinned)
  --generator-cpus LIST  taskset CPU list of the load generator (default 1; "" not pinned)
  --payload N            message text length in bytes (default 100)
  --clients-per-process N  generator clients per process at most (default 5000)
  --out DIR              where results go (default bench/results)
  --write-docs           replace the measured tables in docs/benchmarks.md with this run's
  --note TEXT            a note on the run (e.g. "shared machine") kept with the results
  --report FILE          measure nothing: print the tables of a results file (with --write-docs: into the docs)
  --help`;

function list<T extends string>(value: string, allowed: readonly T[], what: string): T[] {
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`unknown ${what} "${item}" (one of ${allowed.join(', ')})`);
  if (items.length === 0) throw new Error(`no ${what} given`);
  return items as T[];
}

function positiveInt(value: string, what: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer (got "${value}")`);
  return n;
}

export function parseOptions(argv: string[], defaultOutDir: string): Options | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      smoke: { type: 'boolean', default: false },
      only: { type: 'string' },
      servers: { type: 'string' },
      runs: { type: 'string' },
      'cmf-presence': { type: 'string' },
      env: { type: 'string', multiple: true, default: [] },
      'cmf-profile': { type: 'string' },
      'server-cpus': { type: 'string', default: '0' },
      'generator-cpus': { type: 'string', default: '1' },
      payload: { type: 'string', default: '100' },
      'clients-per-process': { type: 'string', default: '5000' },
      out: { type: 'string', default: defaultOutDir },
      'write-docs': { type: 'boolean', default: false },
      note: { type: 'string' },
      report: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) return 'help';
  const cmfEnv: Record<string, string> = {};
  for (const pair of values.env) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new Error(`--env wants KEY=VALUE (got "${pair}")`);
    cmfEnv[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  const presence = values['cmf-presence'];
  if (presence !== undefined && !/^[a-z]+$/.test(presence)) throw new Error(`--cmf-presence wants a word such as none (got "${presence}")`);
  const payloadBytes = positiveInt(values.payload, '--payload');
  if (payloadBytes < 40) throw new Error('--payload must be at least 40 (the payload carries ids and the send time)');
  const clientsPerProcess = positiveInt(values['clients-per-process'], '--clients-per-process');
  // Each client is one open file; a process may hold 20,000 here.
  if (clientsPerProcess > 18_000) throw new Error('--clients-per-process must stay under the 20,000 open files a process may hold');
  return {
    smoke: values.smoke,
    scenarios: values.only ? list(values.only.toUpperCase(), SCENARIOS, 'scenario') : [...SCENARIOS],
    servers: values.servers ? list(values.servers, SERVER_NAMES, 'server') : [...SERVER_NAMES],
    runs: values.runs ? positiveInt(values.runs, '--runs') : values.smoke ? 1 : 2,
    cmfPresence: presence,
    cmfEnv,
    cmfProfileDir: values['cmf-profile'] ? resolve(values['cmf-profile']) : undefined,
    serverCpus: values['server-cpus'] || undefined,
    generatorCpus: values['generator-cpus'] || undefined,
    payloadBytes,
    clientsPerProcess,
    outDir: values.out,
    writeDocs: values['write-docs'],
    note: values.note,
    report: values.report,
  };
}
