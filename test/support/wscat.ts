import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

export interface Frame {
  type: string;
  [field: string]: unknown;
}

/** wscat as a real process, fed on stdin like a terminal; it prints one frame per line. */
export class Wscat {
  readonly frames: Frame[] = [];
  readonly exited: Promise<unknown>;
  private output = '';
  private waiters: (() => void)[] = [];

  constructor(readonly child: ChildProcessWithoutNullStreams) {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      this.output += chunk;
      const lines = this.output.split('\n');
      this.output = lines.pop() ?? '';
      // Without a terminal wscat prints bare frames, sometimes after its "> " prompt.
      for (const line of lines.map((l) => l.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/^[<>] /, '').trim())) {
        if (line.startsWith('{')) this.frames.push(JSON.parse(line) as Frame);
      }
      for (const wake of this.waiters.splice(0)) wake();
    });
    child.stderr.resume();
    this.exited = new Promise((resolve) => child.once('exit', resolve));
  }

  /** The project's wscat (a devDependency) with these arguments. */
  static run(args: string[]): Wscat {
    return new Wscat(spawn(`${root}node_modules/.bin/wscat`, args, { stdio: 'pipe' }));
  }

  async next(check: (frame: Frame) => boolean, what: string): Promise<Frame> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const found = this.frames.find(check);
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`wscat: no ${what}; got ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 1_000);
      });
    }
  }

  type(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.child.exitCode === null) this.child.kill(signal);
    await this.exited;
  }
}
