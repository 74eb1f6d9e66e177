import type { Options, Scenario } from './options.js';
import type { Plan } from './plan.js';
import type { CellResult, ScenarioData } from './results.js';
import { runS1 } from './scenarios/s1-idle.js';
import { runS2 } from './scenarios/s2-fanout.js';
import { runS3 } from './scenarios/s3-latency.js';
import { runS4 } from './scenarios/s4-direct.js';
import { runS5 } from './scenarios/s5-storm.js';
import { Session } from './scenarios/session.js';
import { startKafkaBroker, startServer, type KafkaBroker, type ServerContext, type ServerName } from './servers/index.js';
import type { Tools } from './tools.js';

type Runner<S extends Scenario> = (s: Session, size: number, loadgen: string) => Promise<ScenarioData[S]>;
const RUNNERS: { [S in Scenario]: Runner<S> } = { S1: runS1, S2: runS2, S3: runS3, S4: runS4, S5: runS5 };

export function sizesOf(scenario: Scenario, plan: Plan): number[] {
  switch (scenario) {
    case 'S1':
      return plan.S1.sizes;
    case 'S2':
      return plan.S2.sizes;
    case 'S3':
      return [plan.S3.clients];
    case 'S4':
      return [plan.S4.clients];
    case 'S5':
      return plan.S5.sizes;
  }
}

/**
 * Every (run, scenario, size, server) cell, servers interleaved within each scenario and
 * size so that a change in the machine's load spreads over all of them. Each cell gets a
 * fresh server; a cell that fails is recorded with its error and the run goes on.
 */
export class CellRunner {
  private broker: KafkaBroker | undefined;
  private instance = 0;

  constructor(
    private readonly root: string,
    private readonly opts: Options,
    private readonly plan: Plan,
    private readonly tools: Tools,
    private readonly onCell: (cell: CellResult) => void,
  ) {}

  async runAll(): Promise<void> {
    try {
      for (let run = 1; run <= this.opts.runs; run++) {
        for (const scenario of this.opts.scenarios) {
          for (const size of sizesOf(scenario, this.plan)) {
            for (const server of this.opts.servers) {
              this.onCell(await this.runCell(scenario, size, server, run));
            }
          }
        }
      }
    } finally {
      this.close();
    }
  }

  close(): void {
    this.broker?.stop();
    this.broker = undefined;
  }

  private context(): ServerContext {
    return {
      root: this.root,
      tools: this.tools,
      serverCpus: this.opts.serverCpus,
      cmfEnv: this.opts.cmfEnv,
      cmfNodeArgs: this.opts.cmfProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${this.opts.cmfProfileDir}`] : [],
      cmfQuery: this.opts.cmfPresence ? `?presence=${this.opts.cmfPresence}` : '',
      instance: ++this.instance,
      kafka: async () => (this.broker ??= startKafkaBroker(this.root)),
    };
  }

  private async runCell<S extends Scenario>(scenario: S, size: number, server: ServerName, run: number): Promise<CellResult> {
    const startedAt = new Date();
    let session: Session | undefined;
    let data: ScenarioData[S] | undefined;
    let error: string | undefined;
    try {
      session = new Session(await startServer[server](this.context()), this.opts, this.plan);
      data = await (RUNNERS[scenario] as Runner<S>)(session, size, this.tools.loadgen);
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const generatorProcesses = session?.generatorProcesses ?? 0;
    try {
      await session?.close();
    } catch (err) {
      error ??= `stopping: ${err instanceof Error ? err.message : String(err)}`;
    }
    return {
      scenario,
      size,
      server,
      run,
      startedAt: startedAt.toISOString(),
      seconds: Math.round((Date.now() - startedAt.getTime()) / 100) / 10,
      generatorProcesses,
      error,
      data,
    } as CellResult;
  }
}
