import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { createServer, connect } from 'node:net';

/** A process the harness started: it stops it by PID and by nothing else. */
export interface Started {
  readonly label: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last lines it wrote to stderr, for error messages. */
  stderrTail(): string;
  readonly exited: Promise<void>;
}

const TAIL_BYTES = 4000;

/** Every process started and not yet exited, so that an interrupted run can stop them. */
const running = new Set<Started>();

/**
 * Spawns a command, pinned to `cpus` with taskset when given ("0", "1", "0,1"), stdout and
 * stdin as asked, stderr kept as a short tail.
 */
export function startProcess(
  label: string,
  command: string,
  args: string[],
  { cpus, env, stdio = 'ignore', cwd }: { cpus?: string; env?: NodeJS.ProcessEnv; stdio?: 'pipe' | 'ignore'; cwd?: string },
): Started {
  const [file, argv] = cpus ? ['taskset', ['-c', cpus, command, ...args]] : [command, args];
  const options: SpawnOptions = { env: env ?? process.env, stdio: [stdio, stdio, 'pipe'], cwd };
  const child = spawn(file, argv, options);
  let tail = '';
  // A command that cannot run (missing binary, no taskset) ends here instead of crashing the harness.
  child.on('error', (err) => {
    tail += `${label}: ${err.message}\n`;
  });
  if (child.pid === undefined) throw new Error(`${label}: could not start ${file} ${argv.join(' ')}`);
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-TAIL_BYTES);
  });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // taskset execs the command, so the PID is the command's own.
  const started: Started = { label, child, pid: child.pid, stderrTail: () => tail.trim(), exited };
  running.add(started);
  void exited.then(() => running.delete(started));
  return started;
}

/** Stops every process this harness started and is still running (an interrupted run). */
export async function stopAllStarted(): Promise<void> {
  await Promise.all([...running].map((p) => stopProcess(p, 3000)));
}

export function isRunning(p: Started): boolean {
  return p.child.exitCode === null && p.child.signalCode === null;
}

/**
 * How long a server may take to stop after its clients are gone: its shutdown is not what
 * the benchmark measures, and a server still flooding presence would make every cell wait.
 */
export const SERVER_STOP_GRACE_MS = 1000;

/** SIGTERM, then SIGKILL after graceMs; resolves once the process has exited. */
export async function stopProcess(p: Started, graceMs = 10_000): Promise<void> {
  if (!isRunning(p)) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Polls check() every 100 ms until it is true; throws after timeoutMs or when `alive` turns false. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  { timeoutMs, alive }: { timeoutMs: number; alive?: () => boolean },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (alive && !alive()) throw new Error(`${what}: the process exited`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${timeoutMs} ms`);
    await sleep(100);
  }
}

export function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function httpOk(url: string, timeoutMs = 2000): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  await res.arrayBuffer();
  return res.ok;
}
