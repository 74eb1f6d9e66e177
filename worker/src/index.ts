export { createWorker, type Worker, type WorkerDeps } from './worker.js';
export { WorkerMetrics, workerMetrics } from './worker-metrics.js';
