import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export type Component = 'gateway' | 'worker' | 'admin-api' | 'all-in-one';

const root = fileURLToPath(new URL('../../', import.meta.url));

/** One CMF component as a real process, started from its built entry point. */
export class ServiceProcess {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';

  private constructor(
    readonly component: Component,
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  /** Starts the component and resolves once it logs that it is listening. */
  static start(component: Component, env: Record<string, string>, timeoutMs = 60_000): Promise<ServiceProcess> {
    const entry = `${root}${component}/dist/main.js`;
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does)`);
    const child = spawn(process.execPath, [entry], {
      env: { ...process.env, PORT: '0', ADMIN_PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${component} did not start in ${timeoutMs} ms:\n${stderr}`));
      }, timeoutMs);
      const onData = (chunk: Buffer): void => {
        stderr += chunk.toString();
        const line = stderr.split('\n').find((l) => l.includes('"msg":"listening"'));
        if (!line) return;
        clearTimeout(timer);
        const service = new ServiceProcess(component, child, (JSON.parse(line) as { port: number }).port);
        service.stderr = stderr;
        child.stderr!.off('data', onData);
        child.stderr!.on('data', (c: Buffer) => {
          service.stderr += c.toString();
        });
        resolve(service);
      };
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${component} exited with ${code} before listening:\n${stderr}`));
      });
    });
  }

  /** SIGTERM, then wait for the exit. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }

  kill(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}
