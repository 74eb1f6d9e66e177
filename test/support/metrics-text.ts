import { eventually } from './eventually.js';
import type { ServiceProcess } from './service-process.js';

/** The value of one series in Prometheus text format (`name{labels}`), or undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Scrapes until `check` holds, and returns that scrape: counters move after the work that bumps them. */
export async function metricsUntil(read: () => Promise<string>, check: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  let text = '';
  await eventually(async () => check((text = await read())), { timeoutMs, intervalMs: 20, what: () => `metrics to match; last scrape:\n${text}` });
  return text;
}

/** Reads a component's /metrics. */
export const scrape = (service: ServiceProcess) => async (): Promise<string> => (await fetch(`${service.url}/metrics`)).text();
