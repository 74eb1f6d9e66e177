import { z } from 'zod';
import { KubernetesReportSchema } from '../kubernetes-report.js';

/** 202: the command is on its way to the workers; `requestId` is in the ws-in record. */
export const AcceptedSchema = z.object({ status: z.literal('accepted'), requestId: z.uuid() });

export const ClientSchema = z.object({
  id: z.string(),
  gateway: z.string(),
  connectedAt: z.iso.datetime(),
  status: z.enum(['connected', 'away']).meta({
    description: '`away`: its connection ended abnormally and its id is kept for a resume (RESUME_GRACE_MS); still listed and reachable',
  }),
});

export const ClientListSchema = z.object({
  count: z.number().int().nonnegative().meta({ description: 'Connected (and away) clients on every gateway' }),
  clients: z.array(ClientSchema).meta({ description: 'Oldest first' }),
});

export const WorkerLagSchema = z.union([
  z.object({
    group: z.string(),
    topic: z.string(),
    total: z.number().int().nonnegative(),
    partitions: z.array(
      z.object({
        partition: z.number().int().nonnegative(),
        committed: z.string().nullable().meta({ description: "The group's next offset; null before its first commit" }),
        end: z.string(),
        lag: z.number().int().nonnegative(),
      }),
    ),
  }),
  z.object({ group: z.string(), topic: z.string(), error: z.string().meta({ description: 'Why the lag could not be read' }) }),
]);
export type WorkerLag = z.infer<typeof WorkerLagSchema>;

export const ClusterSchema = z.discriminatedUnion('kubernetes', [
  z.object({ kubernetes: z.literal(false), message: z.literal('not running in Kubernetes'), workerLag: WorkerLagSchema }),
  KubernetesReportSchema.extend({ kubernetes: z.literal(true), workerLag: WorkerLagSchema }),
]);

/** This document: OpenAPI 3.1. */
export const OpenApiDocumentSchema = z
  .object({ openapi: z.literal('3.1.0'), info: z.object({ title: z.string(), version: z.string() }).loose(), paths: z.record(z.string(), z.unknown()) })
  .loose();
