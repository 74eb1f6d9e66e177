import type { Protocol } from '../loadgen.js';
import type { KafkaBroker } from './kafka-broker.js';
import type { Tools } from '../tools.js';

export const SERVER_NAMES = ['cmf-memory', 'cmf-kafka', 'ws', 'socketio', 'centrifugo'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

/** What starting a server may use. */
export interface ServerContext {
  root: string;
  tools: Tools;
  /** taskset CPU list for the process that holds the sockets; undefined: not pinned. */
  serverCpus?: string;
  /** The run's broker, started on first use. */
  kafka(): Promise<KafkaBroker>;
  /** Extra environment for CMF's processes (--env). */
  cmfEnv: Record<string, string>;
  /** Node's arguments before the script for CMF's processes (--cpu-prof when profiling). */
  cmfNodeArgs: string[];
  /** Query string CMF clients connect with ("" or "?presence=none"). */
  cmfQuery: string;
  /** A number unique to this start within the run (topic and group names). */
  instance: number;
}

export interface RunningServer {
  url: string;
  protocol: Protocol;
  /** An HTTP endpoint to time during connect storms, where the server has one. */
  healthUrl?: string;
  /** Processes to sample, by label; "server" holds the sockets. */
  processes: Record<string, number[]>;
  stop(): Promise<void>;
}

export type StartServer = (ctx: ServerContext) => Promise<RunningServer>;
