import { z } from 'zod';

const count = z.number().int().nonnegative();

export const GatewayPodSchema = z.object({
  name: z.string(),
  ready: z.boolean(),
  restarts: count,
  phase: z.string(),
});
export type GatewayPod = z.infer<typeof GatewayPodSchema>;

export const KubernetesPartSchema = z.enum(['gateways', 'workers', 'scaledObject']);

/** What GET /cluster reads from the Kubernetes API. */
export const KubernetesReportSchema = z.object({
  namespace: z.string(),
  gateways: z.object({ selector: z.string(), total: count, ready: count, pods: z.array(GatewayPodSchema) }).nullable(),
  workers: z.object({ deployment: z.string(), replicas: count, readyReplicas: count, availableReplicas: count }).nullable(),
  scaledObject: z
    .object({
      name: z.string(),
      ready: z.boolean().nullable().meta({ description: "KEDA's Ready condition: the trigger and its target are valid" }),
      active: z.boolean().nullable().meta({ description: "KEDA's Active condition: lag is above activationLagThreshold" }),
      paused: z.boolean(),
      minReplicas: count,
      maxReplicas: count,
      currentReplicas: count.nullable().meta({ description: 'From the HPA KEDA manages for it' }),
      desiredReplicas: count.nullable(),
    })
    .nullable(),
  problems: z
    .array(z.object({ part: KubernetesPartSchema, status: z.number().int().nullable(), message: z.string() }))
    .meta({ description: 'What could not be read (RBAC, KEDA missing, ...); the rest of the report still stands' }),
});
export type KubernetesReport = z.infer<typeof KubernetesReportSchema>;
