import type { Bus, Config, Logger, Metrics, PresenceView, Probes } from '@cmf/shared';
import type { KubernetesReport } from './kubernetes-report.js';

/** What the admin routes work with. */
export interface AdminDeps {
  bus: Bus;
  config: Config;
  logger: Logger;
  view: PresenceView;
  metrics: Metrics;
  /** /health and /ready of the process the app runs in (the admin API alone, or the all-in-one server). */
  probes: Probes;
  /** Reads the Kubernetes API; undefined when not running in Kubernetes. */
  cluster?: { read(): Promise<KubernetesReport> } | undefined;
}
