import { fmtBytes, fmtCount, fmtMs } from './format.js';
import type { CellResult } from './results.js';

/** One line on a finished cell, for the progress log. */
export function summarizeCell(c: CellResult): string {
  const head = `${c.scenario} ${c.size} ${c.server} run ${c.run} (${c.seconds} s):`;
  if (!c.data) return `${head} FAILED ${c.error ?? ''}`;
  switch (c.scenario) {
    case 'S1':
      return `${head} held ${c.data.setup.held}, ${c.data.kibPerConnection} KiB each, presence ${fmtBytes(c.data.setup.presenceBytes)}`;
    case 'S2': {
      const last = c.data.steps[c.data.steps.length - 1];
      return `${head} ceiling ${fmtCount(c.data.ceiling?.deliveriesPerSec)}/s (${c.data.ceiling?.limit ?? last?.failReason ?? 'no step'})`;
    }
    case 'S3': {
      const p = c.data.phase;
      return `${head} p50 ${fmtMs(p.latency.p50Ms)} p99 ${fmtMs(p.latency.p99Ms)} p99.9 ${fmtMs(p.latency.p999Ms)} ms, lost ${p.lost}, dup ${p.dup}`;
    }
    case 'S4':
      return `${head} ${c.data.steps.map((s) => `${fmtCount(s.offeredPerSec)}/s→p99 ${fmtMs(s.latency.p99Ms)} ms, ${fmtCount(s.deliveredPerSec)}/s`).join('; ')}`;
    case 'S5':
      return `${head} welcomed ${c.data.welcomed}/${c.data.attempted} in ${c.data.lastWelcomeSec} s, held ${c.data.held}, ${fmtBytes(c.data.bytes)}`;
  }
}

/**
 * Cells that got nothing through: no client welcomed, or clients held and no message delivered.
 * At smoke sizes every server manages that, so there it means the harness or a protocol is
 * broken; at full sizes a collapsing server does it too, and it is a figure.
 */
export function nothingThrough(cells: CellResult[]): string[] {
  const found: string[] = [];
  for (const c of cells) {
    if (!c.data) continue;
    const nothing = (() => {
      switch (c.scenario) {
        case 'S1':
          return c.data.setup.welcomed === 0;
        case 'S2':
          return c.data.setup.held > 0 && !c.data.steps.some((s) => s.delivered > 0);
        case 'S3':
          return c.data.setup.held > 0 && c.data.phase.delivered === 0;
        case 'S4':
          return c.data.setup.held > 0 && !c.data.steps.some((s) => s.delivered > 0);
        case 'S5':
          return c.data.welcomed === 0;
      }
    })();
    if (nothing) found.push(`${c.scenario} ${c.size} ${c.server} run ${c.run}: no client was welcomed, or clients were held and no message was delivered`);
  }
  return found;
}

/** Cells the harness could not measure: a server that did not start, a generator that died. */
export function failedCells(cells: CellResult[]): string[] {
  return cells.filter((c) => !c.data).map((c) => `${c.scenario} ${c.size} ${c.server} run ${c.run}: ${c.error ?? 'no data'}`);
}
