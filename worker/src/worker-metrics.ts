import { tally, type Metrics } from '@cmf/shared';
import type { Outputs } from './outputs.js';

/** What workers count, once a batch's outputs are acknowledged (so a retried batch counts once). */
export class WorkerMetrics {
  /** ws-in records processed. */
  records = 0;
  /** Deliver commands produced to ws-out (one per frame, whatever the number of recipients). */
  deliveries = 0;
  /** Kick commands produced. */
  kickCommands = 0;
  /** Records sent to the dead-letter topic. */
  deadLetters = 0;
  /** Client frames dropped because they reached Kafka after their deadline (the sender was told bus-unavailable). */
  expiredFrames = 0;

  constructor(registry: Metrics['registry']) {
    tally(registry, 'cmf_worker_records_total', 'ws-in records processed', () => this.records);
    tally(registry, 'cmf_worker_deliveries_total', 'Deliver commands produced to ws-out', () => this.deliveries);
    tally(registry, 'cmf_worker_kicks_total', 'Kick commands produced to ws-out', () => this.kickCommands);
    tally(registry, 'cmf_worker_dead_letters_total', 'Records sent to the dead-letter topic', () => this.deadLetters);
    tally(registry, 'cmf_worker_expired_frames_total', 'Client frames appended after their deadline and dropped', () => this.expiredFrames);
  }

  /** A batch of `records` whose outputs were acknowledged: counted then, so a retried batch counts once. */
  count(records: number, outputs: readonly Outputs[], metrics: Metrics): void {
    this.records += records;
    for (const o of outputs) {
      this.deliveries += o.deliveries;
      this.kickCommands += o.kicks;
      this.deadLetters += o.deadLetters.length;
      this.expiredFrames += o.expiredFrames;
      for (const [code, n] of o.errorCodes) metrics.countError('worker', code, n);
    }
  }
}

export const workerMetrics = (metrics: Metrics): WorkerMetrics => metrics.part('worker', (r) => new WorkerMetrics(r));
