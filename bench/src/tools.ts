import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const CENTRIFUGO_MODULE = 'github.com/centrifugal/centrifugo/v6';
export const CENTRIFUGO_VERSION = 'v6.9.1';

export interface Tools {
  loadgen: string;
  centrifugo?: string;
  /** Seconds each build took in this run (0: it was cached). */
  buildSeconds: Record<string, number>;
}

/** Binaries live outside the repository, like the Kafka jars in ~/.cache/cmf-kafka. */
export function cacheDir(): string {
  return process.env.CMF_BENCH_CACHE ?? join(homedir(), '.cache', 'cmf-bench');
}

function run(what: string, command: string, args: string[], env: NodeJS.ProcessEnv, cwd?: string): number {
  const started = Date.now();
  const result = spawnSync(command, args, { env, cwd, stdio: ['ignore', 'inherit', 'inherit'] });
  if (result.error) throw new Error(`${what}: ${command} could not run (${result.error.message}); is Go installed?`);
  if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status})`);
  return (Date.now() - started) / 1000;
}

/**
 * Builds the load generator (always: Go's build cache makes an unchanged build take a
 * second) and, when wanted, installs Centrifugo once from the Go module proxy.
 */
export function buildTools(root: string, { centrifugo }: { centrifugo: boolean }): Tools {
  const dir = cacheDir();
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const buildSeconds: Record<string, number> = {};
  const loadgen = join(dir, 'bin', 'cmf-loadgen');
  process.stderr.write('bench: building the load generator (bench/loadgen)\n');
  buildSeconds.loadgen = run('building cmf-loadgen', 'go', ['build', '-o', loadgen, '.'], process.env, join(root, 'bench', 'loadgen'));

  let centrifugoBin: string | undefined;
  if (centrifugo) {
    const binDir = join(dir, `centrifugo-${CENTRIFUGO_VERSION}`);
    centrifugoBin = join(binDir, 'centrifugo');
    buildSeconds.centrifugo = 0;
    if (!existsSync(centrifugoBin)) {
      process.stderr.write(`bench: building Centrifugo ${CENTRIFUGO_VERSION} with go install (a few minutes, once)\n`);
      buildSeconds.centrifugo = run(
        'go install centrifugo',
        'go',
        ['install', `${CENTRIFUGO_MODULE}@${CENTRIFUGO_VERSION}`],
        { ...process.env, GOBIN: binDir },
      );
    }
  }
  return { loadgen, centrifugo: centrifugoBin, buildSeconds };
}

export function goVersion(): string {
  try {
    return execFileSync('go', ['version'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
