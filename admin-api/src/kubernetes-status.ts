import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Config } from '@cmf/shared';
import type { GatewayPod, KubernetesReport } from './kubernetes-report.js';

export interface KubernetesTargets {
  namespace: string;
  gatewaySelector: string;
  workerDeployment: string;
  scaledObject: string;
}

interface ScaledObjectResource {
  spec?: { minReplicaCount?: number; maxReplicaCount?: number };
  status?: {
    hpaName?: string;
    conditions?: { type?: string; status?: string }[];
  };
  metadata?: { annotations?: Record<string, string> };
}

const condition = (so: ScaledObjectResource, type: string): boolean | null => {
  const found = so.status?.conditions?.find((c) => c.type === type);
  return found?.status === 'True' ? true : found?.status === 'False' ? false : null;
};

const podStatus = (pod: V1Pod): GatewayPod => ({
  name: pod.metadata?.name ?? '',
  ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
  restarts: (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + c.restartCount, 0),
  phase: pod.status?.phase ?? 'Unknown',
});

/** The status code and message of a failed Kubernetes API call. */
function describeFailure(err: unknown): { status: number | null; message: string } {
  if (err instanceof ApiException) {
    const body: unknown = typeof err.body === 'string' ? safeJson(err.body) : err.body;
    const message = (body as { message?: unknown } | undefined)?.message;
    return { status: err.code, message: typeof message === 'string' ? message : `HTTP ${err.code}` };
  }
  return { status: null, message: err instanceof Error ? err.message : String(err) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * What GET /cluster reads from the Kubernetes API: the gateway pods, the worker Deployment, and
 * the KEDA ScaledObject with the HPA KEDA made for it. Each part is read on its own, so a missing
 * permission or a cluster without KEDA leaves a problem in the report instead of failing it.
 */
export class KubernetesStatus {
  private readonly core: CoreV1Api;
  private readonly apps: AppsV1Api;
  private readonly autoscaling: AutoscalingV2Api;
  private readonly custom: CustomObjectsApi;

  constructor(
    kubeConfig: KubeConfig,
    private readonly targets: KubernetesTargets,
  ) {
    this.core = kubeConfig.makeApiClient(CoreV1Api);
    this.apps = kubeConfig.makeApiClient(AppsV1Api);
    this.autoscaling = kubeConfig.makeApiClient(AutoscalingV2Api);
    this.custom = kubeConfig.makeApiClient(CustomObjectsApi);
  }

  /** In a pod (Kubernetes sets KUBERNETES_SERVICE_HOST), reads with the pod's service account; elsewhere undefined. */
  static fromConfig(config: Config): KubernetesStatus | undefined {
    if (!config.KUBERNETES_SERVICE_HOST) return undefined;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromCluster();
    const namespace =
      config.K8S_NAMESPACE ?? kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace ?? 'default';
    return new KubernetesStatus(kubeConfig, {
      namespace,
      gatewaySelector: config.K8S_GATEWAY_SELECTOR,
      workerDeployment: config.K8S_WORKER_DEPLOYMENT,
      scaledObject: config.K8S_SCALED_OBJECT,
    });
  }

  async read(): Promise<KubernetesReport> {
    const { namespace } = this.targets;
    const problems: KubernetesReport['problems'] = [];
    const part = async <T>(name: KubernetesReport['problems'][number]['part'], read: () => Promise<T>): Promise<T | null> => {
      try {
        return await read();
      } catch (err) {
        problems.push({ part: name, ...describeFailure(err) });
        return null;
      }
    };
    const [gateways, workers, scaledObject] = await Promise.all([
      part('gateways', () => this.gateways()),
      part('workers', () => this.workers()),
      part('scaledObject', () => this.scaledObject()),
    ]);
    return { namespace, gateways, workers, scaledObject, problems };
  }

  private async gateways(): Promise<NonNullable<KubernetesReport['gateways']>> {
    const { namespace, gatewaySelector: selector } = this.targets;
    const list = await this.core.listNamespacedPod({ namespace, labelSelector: selector });
    const pods = list.items.map(podStatus).sort((a, b) => a.name.localeCompare(b.name));
    return { selector, total: pods.length, ready: pods.filter((p) => p.ready).length, pods };
  }

  private async workers(): Promise<NonNullable<KubernetesReport['workers']>> {
    const { namespace, workerDeployment: name } = this.targets;
    const deployment = await this.apps.readNamespacedDeployment({ name, namespace });
    return {
      deployment: name,
      replicas: deployment.status?.replicas ?? 0,
      readyReplicas: deployment.status?.readyReplicas ?? 0,
      availableReplicas: deployment.status?.availableReplicas ?? 0,
    };
  }

  private async scaledObject(): Promise<NonNullable<KubernetesReport['scaledObject']>> {
    const { namespace, scaledObject: name } = this.targets;
    const so = (await this.custom.getNamespacedCustomObject({
      group: 'keda.sh',
      version: 'v1alpha1',
      namespace,
      plural: 'scaledobjects',
      name,
    })) as ScaledObjectResource;
    // KEDA reports replica counts on the HPA it owns, not on the ScaledObject.
    const hpaName = so.status?.hpaName ?? `keda-hpa-${name}`;
    const hpa = await this.autoscaling
      .readNamespacedHorizontalPodAutoscaler({ name: hpaName, namespace })
      .catch(() => undefined);
    return {
      name,
      ready: condition(so, 'Ready'),
      active: condition(so, 'Active'),
      paused: condition(so, 'Paused') === true || so.metadata?.annotations?.['autoscaling.keda.sh/paused'] === 'true',
      minReplicas: so.spec?.minReplicaCount ?? 0,
      maxReplicas: so.spec?.maxReplicaCount ?? 100,
      currentReplicas: hpa?.status?.currentReplicas ?? null,
      desiredReplicas: hpa?.status?.desiredReplicas ?? null,
    };
  }
}
