/** The value of one series in Prometheus text format (`name{labels}`), or undefined when absent. */
export function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Polls a metrics source until `check` holds: counters move after the work that bumps them. */
export async function metricsUntil(read: () => Promise<string>, check: (text: string) => boolean, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await read();
    if (check(text)) return text;
    if (Date.now() > deadline) throw new Error(`metrics never matched; last scrape:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
