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
  count: z.number().int().nonnegative().meta({ description: 'Connected (and away) clients on every gateway, in all pages' }),
  clients: z.array(ClientSchema).meta({ description: 'This page of them, oldest first' }),
  nextCursor: z.string().optional().meta({ description: 'Where the next page starts (`cursor`); absent on the last page' }),
});

/** Paging of GET /clients. Every value the patterns allow is a page (past the end, an empty one), so nothing valid is refused. */
export const ClientsQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^(?:[1-9][0-9]{0,3}|10000)$/)
    .transform(Number)
    .optional()
    .meta({ description: 'Clients per page, 1 to 10000; 1000 when absent' }),
  cursor: z
    .string()
    .regex(/^[0-9]{1,15}\.\S{1,256}$/)
    .optional()
    .meta({ description: "The previous page's `nextCursor`: clients connected after that one (by connect time, then id)" }),
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
