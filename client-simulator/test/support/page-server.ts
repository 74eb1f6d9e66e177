import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('../../../scripts/serve-simulator.js', import.meta.url));

/** scripts/serve-simulator.js as a real process: the chart's standalone simulator deployment. */
export class PageServer {
  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static start(env: Record<string, string>, page?: string): Promise<PageServer> {
    const child = spawn(process.execPath, page ? [script, page] : [script], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const line = stderr.split('\n').find((l) => l.includes('"msg":"listening"'));
        if (line) resolve(new PageServer(child, (JSON.parse(line) as { port: number }).port));
      });
      child.once('exit', (code) => reject(new Error(`serve-simulator exited with ${code}: ${stderr}`)));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const exited = new Promise<number | null>((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    return exited;
  }
}
