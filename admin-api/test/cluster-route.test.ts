import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { KubeConfig } from '@kubernetes/client-node';
import { createLogger, encodeRecord, loadConfig, MemoryBus, PresenceView, topicSpecs } from '@cmf/shared';
import { createAdminApp, KubernetesStatus } from '@cmf/admin-api';

const logger = createLogger('silent');
const TOKEN = 'service-account-token';
const NS = 'cmf-test';

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  authorization: string | undefined;
}

/** Answers the four reads GET /cluster makes, the way the Kubernetes API does. */
class FakeKubernetesApi {
  readonly seen: Seen[] = [];
  /** Paths answered with a Kubernetes Status error instead. */
  readonly failures = new Map<string, { code: number; reason: string; message: string }>();
  private server!: Server;

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.answer(req, res));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private answer(req: IncomingMessage, res: import('node:http').ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://localhost');
    this.seen.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, authorization: req.headers.authorization });
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      send(401, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Unauthorized', code: 401, message: 'Unauthorized' });
      return;
    }
    const failure = this.failures.get(url.pathname);
    if (failure) {
      send(failure.code, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', ...failure });
      return;
    }
    const body = routes[url.pathname];
    if (!body) {
      send(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: `${url.pathname} not found` });
      return;
    }
    send(200, body);
  }
}

const pod = (name: string, ready: boolean, restarts: number[], phase = 'Running') => ({
  metadata: { name, namespace: NS, labels: { 'app.kubernetes.io/component': 'gateway' } },
  spec: { containers: [{ name: 'gateway', image: 'cmf:4.0.0' }] },
  status: {
    phase,
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
    containerStatuses: restarts.map((restartCount, i) => ({
      name: `c${i}`,
      image: 'cmf:4.0.0',
      imageID: '',
      ready,
      restartCount,
    })),
  },
});

const routes: Record<string, unknown> = {
  [`/api/v1/namespaces/${NS}/pods`]: {
    kind: 'PodList',
    apiVersion: 'v1',
    metadata: {},
    items: [pod('cmf-gateway-b', false, [3], 'Pending'), pod('cmf-gateway-a', true, [0, 1])],
  },
  [`/apis/apps/v1/namespaces/${NS}/deployments/cmf-worker`]: {
    kind: 'Deployment',
    apiVersion: 'apps/v1',
    metadata: { name: 'cmf-worker', namespace: NS },
    spec: { selector: {}, template: {} },
    status: { replicas: 3, readyReplicas: 2, availableReplicas: 2 },
  },
  [`/apis/keda.sh/v1alpha1/namespaces/${NS}/scaledobjects/cmf-worker`]: {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: 'cmf-worker', namespace: NS },
    spec: { scaleTargetRef: { name: 'cmf-worker' }, minReplicaCount: 1, maxReplicaCount: 12 },
    status: {
      hpaName: 'keda-hpa-cmf-worker',
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Active', status: 'True' },
        { type: 'Fallback', status: 'False' },
      ],
    },
  },
  [`/apis/autoscaling/v2/namespaces/${NS}/horizontalpodautoscalers/keda-hpa-cmf-worker`]: {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'keda-hpa-cmf-worker', namespace: NS },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'cmf-worker' }, maxReplicas: 12 },
    status: { currentReplicas: 3, desiredReplicas: 5 },
  },
};

/** A KubeConfig pointed at the fake API, as `loadFromCluster` would point one at the real one. */
function kubeConfigFor(api: FakeKubernetesApi): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'fake', server: api.url, skipTLSVerify: true }],
    users: [{ name: 'admin-api', token: TOKEN }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'admin-api', namespace: NS }],
    currentContext: 'fake',
  });
  return kc;
}

async function adminApp(cluster?: KubernetesStatus, env: Record<string, string> = {}) {
  const config = loadConfig({ LOG_LEVEL: 'silent', ...env });
  const bus = new MemoryBus();
  await bus.ensureTopics(topicSpecs(config));
  const view = await PresenceView.start(bus, config.topics.presence, logger);
  const app = createAdminApp({ bus, config, logger, view, cluster });
  return { app, bus, config, close: async () => (await view.close(), await bus.close()) };
}

const targets = { namespace: NS, gatewaySelector: 'app.kubernetes.io/component=gateway', workerDeployment: 'cmf-worker', scaledObject: 'cmf-worker' };

describe('GET /cluster', () => {
  const api = new FakeKubernetesApi();
  beforeAll(() => api.start());
  afterAll(() => api.stop());
  beforeEach(() => {
    api.seen.length = 0;
    api.failures.clear();
  });

  test('outside Kubernetes: 200, says so, and still reports the worker group lag from Kafka', async () => {
    const h = await adminApp();
    await h.bus.publish(h.config.topics.in, [
      { key: 'a', value: encodeRecord({ kind: 'tick', at: 1 }) },
      { key: 'b', value: encodeRecord({ kind: 'tick', at: 2 }) },
    ]);
    const res = await request(h.app).get('/cluster').expect(200);
    expect(res.body).toMatchObject({ kubernetes: false, message: 'not running in Kubernetes' });
    expect(res.body.workerLag).toMatchObject({ group: 'cmf-worker', topic: 'ws-in', total: 2 });
    expect(res.body.workerLag.partitions).toHaveLength(12);
    expect(KubernetesStatus.fromConfig(h.config)).toBeUndefined();
    await h.close();
  });

  test('in a cluster: gateway pods (ready, restarts), worker replicas, the ScaledObject, and lag per partition', async () => {
    const h = await adminApp(new KubernetesStatus(kubeConfigFor(api), targets));
    const res = await request(h.app).get('/cluster').expect(200);
    expect(res.body).toEqual({
      kubernetes: true,
      namespace: NS,
      gateways: {
        selector: 'app.kubernetes.io/component=gateway',
        total: 2,
        ready: 1,
        pods: [
          { name: 'cmf-gateway-a', ready: true, restarts: 1, phase: 'Running' },
          { name: 'cmf-gateway-b', ready: false, restarts: 3, phase: 'Pending' },
        ],
      },
      workers: { deployment: 'cmf-worker', replicas: 3, readyReplicas: 2, availableReplicas: 2 },
      scaledObject: {
        name: 'cmf-worker',
        ready: true,
        active: true,
        paused: false,
        minReplicas: 1,
        maxReplicas: 12,
        currentReplicas: 3,
        desiredReplicas: 5,
      },
      problems: [],
      workerLag: { group: 'cmf-worker', topic: 'ws-in', total: 0, partitions: expect.any(Array) },
    });
    // What was asked, and how: the service account's bearer token, the gateway label selector.
    expect(api.seen.every((s) => s.method === 'GET' && s.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(api.seen.map((s) => s.path).sort()).toEqual(Object.keys(routes).sort());
    const podList = api.seen.find((s) => s.path.endsWith('/pods'))!;
    expect(podList.query.get('labelSelector')).toBe('app.kubernetes.io/component=gateway');
    await h.close();
  });

  test('what the Role does not allow, or a cluster without KEDA, becomes a problem in the report, not a failure', async () => {
    api.failures.set(`/apis/keda.sh/v1alpha1/namespaces/${NS}/scaledobjects/cmf-worker`, {
      code: 404,
      reason: 'NotFound',
      message: 'the server could not find the requested resource',
    });
    api.failures.set(`/api/v1/namespaces/${NS}/pods`, {
      code: 403,
      reason: 'Forbidden',
      message: 'pods is forbidden: User "system:serviceaccount:cmf-test:cmf-admin-api" cannot list resource "pods"',
    });
    const h = await adminApp(new KubernetesStatus(kubeConfigFor(api), targets));
    const res = await request(h.app).get('/cluster').expect(200);
    expect(res.body.kubernetes).toBe(true);
    expect(res.body.gateways).toBeNull();
    expect(res.body.scaledObject).toBeNull();
    expect(res.body.workers).toMatchObject({ replicas: 3 });
    expect(res.body.problems).toEqual(
      expect.arrayContaining([
        { part: 'gateways', status: 403, message: expect.stringMatching(/cannot list resource "pods"/) },
        { part: 'scaledObject', status: 404, message: 'the server could not find the requested resource' },
      ]),
    );
    await h.close();
  });

  test('Kafka unreachable: the lag part says why, the rest still answers', async () => {
    const h = await adminApp(new KubernetesStatus(kubeConfigFor(api), targets));
    await h.bus.close();
    const res = await request(h.app).get('/cluster').expect(200);
    expect(res.body.workers).toMatchObject({ deployment: 'cmf-worker' });
    expect(res.body.workerLag).toEqual({ group: 'cmf-worker', topic: 'ws-in', error: expect.any(String) });
  });

  test('needs the admin token like the other admin routes', async () => {
    const h = await adminApp(undefined, { ADMIN_TOKEN: 't' });
    await request(h.app).get('/cluster').expect(401);
    await request(h.app).get('/cluster').set('authorization', 'Bearer t').expect(200);
    await h.close();
  });
});
