import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, visit, type Pair } from 'yaml';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import { RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { ConfigSchema } from '@cmf/shared';
import { chartDir, renderChart, runHelm, type K8sObject } from '../support/helm.js';

/** The variables CMF reads: the keys of the config schema itself, not a list kept here. */
const configKeys = new Set(Object.keys(ConfigSchema.shape));

/** Offline schema validation: the Kubernetes and KEDA OpenAPI schemas, compiled into these classes. */
const models: Record<string, new (data: never) => { validate(): void }> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/Ingress': Ingress,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/Role': Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': RoleBinding,
  'keda.sh/v1alpha1/ScaledObject': ScaledObject,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication,
};

function validate(object: K8sObject): void {
  const Model = models[`${object.apiVersion}/${object.kind}`];
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}: add its model to this test`);
  try {
    new Model(object as never).validate();
  } catch (err) {
    throw new Error(`${object.kind} ${object.metadata.name} is invalid: ${(err as Error).message}`);
  }
}

interface Container {
  name: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; fieldRef?: object } }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
}

interface PodSpec {
  containers: Container[];
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  terminationGracePeriodSeconds?: number;
  serviceAccountName?: string;
}

interface DeploymentLike extends K8sObject {
  spec: { replicas?: number; template: { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: PodSpec } };
}

const ofKind = <T extends K8sObject = K8sObject>(objects: K8sObject[], kind: string): T[] => objects.filter((o) => o.kind === kind) as T[];
const component = (o: K8sObject): string | undefined => o.metadata.labels?.['app.kubernetes.io/component'];
const deploymentOf = (objects: K8sObject[], name: string): DeploymentLike => {
  const found = ofKind<DeploymentLike>(objects, 'Deployment').find((d) => component(d) === name);
  if (!found) throw new Error(`no ${name} Deployment`);
  return found;
};
const configMap = (objects: K8sObject[]): Record<string, string> => (ofKind(objects, 'ConfigMap')[0] as unknown as { data: Record<string, string> }).data;

/** Every environment variable name a container gets: its env, and the keys of the ConfigMaps it loads. */
function envNames(objects: K8sObject[], container: Container): string[] {
  const names = (container.env ?? []).map((e) => e.name);
  for (const from of container.envFrom ?? []) {
    if (from.secretRef) throw new Error('envFrom a Secret hides which variables are set; use env with secretKeyRef');
    const cm = ofKind(objects, 'ConfigMap').find((c) => c.metadata.name === from.configMapRef?.name);
    if (!cm) throw new Error(`envFrom names a ConfigMap the chart does not render: ${from.configMapRef?.name}`);
    names.push(...Object.keys((cm as unknown as { data: Record<string, string> }).data));
  }
  return names;
}

const valuesFiles: [string, string[]][] = [
  ['values.yaml (defaults)', []],
  ['values-dev.yaml', ['values-dev.yaml']],
  ['values-prod.yaml', ['values-prod.yaml']],
];

describe('Helm chart charts/cmf', () => {
  test('helm lint passes with each values file', () => {
    for (const [, files] of valuesFiles) {
      const out = runHelm(['lint', chartDir, ...files.flatMap((f) => ['-f', join(chartDir, f)])]);
      expect(out).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  describe.each(valuesFiles)('rendered with %s', (label, files) => {
    const objects = renderChart(files);

    test('every object is valid against the Kubernetes or KEDA schema', () => {
      expect(objects.length).toBeGreaterThan(10);
      for (const object of objects) validate(object);
    });

    test('every environment variable the chart sets is one CMF reads (a key of ConfigSchema)', () => {
      const deployments = ofKind<DeploymentLike>(objects, 'Deployment');
      expect(deployments.map(component).sort()).toEqual(['admin-api', 'client-simulator', 'gateway', 'worker']);
      for (const d of deployments) {
        for (const c of d.spec.template.spec.containers) {
          const unknown = envNames(objects, c).filter((name) => !configKeys.has(name));
          expect({ container: c.name, unknown }).toEqual({ container: c.name, unknown: [] });
        }
      }
    });

    test('the ScaledObject watches the topic and consumer group the workers are configured with', () => {
      const [so] = ofKind<K8sObject & { spec: ScaledObjectSpec }>(objects, 'ScaledObject');
      expect(so).toBeDefined();
      const trigger = so!.spec.triggers[0]!;
      expect(['kafka', 'apache-kafka']).toContain(trigger.type);
      const config = configMap(objects);
      // The names the trigger reads are variables the worker reads.
      expect(configKeys.has('KAFKA_TOPIC_IN') && configKeys.has('WORKER_GROUP_ID') && configKeys.has('KAFKA_BROKERS')).toBe(true);
      expect(trigger.metadata.topic).toBe(config.KAFKA_TOPIC_IN);
      expect(trigger.metadata.consumerGroup).toBe(config.WORKER_GROUP_ID);
      expect(trigger.metadata.bootstrapServers).toBe(config.KAFKA_BROKERS);
      expect(Number(trigger.metadata.lagThreshold)).toBeGreaterThan(0);
      expect(trigger.metadata.activationLagThreshold).toMatch(/^\d+$/);
      // Never more workers than partitions of ws-in.
      expect(so!.spec.maxReplicaCount).toBeLessThanOrEqual(Number(config.KAFKA_IN_PARTITIONS));
      expect(so!.spec.minReplicaCount).toBeLessThanOrEqual(so!.spec.maxReplicaCount);
      // It scales the worker Deployment, which has no replicas field while KEDA owns it.
      const worker = deploymentOf(objects, 'worker');
      expect(so!.spec.scaleTargetRef.name).toBe(worker.metadata.name);
      expect(worker.spec.replicas).toBeUndefined();
      const workerEnv = envNames(objects, worker.spec.template.spec.containers[0]!);
      expect(workerEnv).toEqual(expect.arrayContaining(['KAFKA_TOPIC_IN', 'WORKER_GROUP_ID', 'KAFKA_BROKERS']));
    });

    test('liveness is /health and readiness /ready on every component, on its container port', () => {
      for (const d of ofKind<DeploymentLike>(objects, 'Deployment')) {
        const [c] = d.spec.template.spec.containers;
        expect(c!.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'http' });
        expect(c!.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'http' });
        expect(c!.ports?.map((p) => p.name)).toContain('http');
      }
    });

    test('every pod runs as non-root with a read-only root filesystem, no capabilities, and resource requests and limits', () => {
      for (const d of ofKind<DeploymentLike>(objects, 'Deployment')) {
        const pod = d.spec.template.spec;
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
        for (const c of pod.containers) {
          expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
          expect(Object.keys(c.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
          expect(Object.keys(c.resources?.limits ?? {}).sort()).toEqual(['cpu', 'memory']);
        }
      }
    });

    test('each container runs its component by the image command', () => {
      for (const name of ['gateway', 'worker', 'admin-api', 'client-simulator']) {
        expect(deploymentOf(objects, name).spec.template.spec.containers[0]!.args).toEqual([name]);
      }
    });

    test('Prometheus annotations point at /metrics on the port of a component that serves it', () => {
      const scraped = ofKind<DeploymentLike>(objects, 'Deployment').filter(
        (d) => d.spec.template.metadata.annotations?.['prometheus.io/scrape'] === 'true',
      );
      expect(scraped.map(component).sort()).toEqual(['admin-api', 'gateway', 'worker']);
      for (const d of scraped) {
        const annotations = d.spec.template.metadata.annotations!;
        expect(annotations['prometheus.io/path']).toBe('/metrics');
        const port = d.spec.template.spec.containers[0]!.ports!.find((p) => p.name === 'http')!.containerPort;
        expect(annotations['prometheus.io/port']).toBe(String(port));
        // That port is the one the component listens on (PORT, or ADMIN_PORT for the admin API).
        const env = d.spec.template.spec.containers[0]!.env ?? [];
        const listenVar = component(d) === 'admin-api' ? 'ADMIN_PORT' : 'PORT';
        expect(env.find((e) => e.name === listenVar)?.value).toBe(String(port));
      }
    });

    test('the gateway drains within its grace period, and has its Service (and PDB and HPA when enabled)', () => {
      const gateway = deploymentOf(objects, 'gateway');
      const config = configMap(objects);
      const grace = gateway.spec.template.spec.terminationGracePeriodSeconds!;
      const preStop = (gateway.spec.template.spec.containers[0] as { lifecycle?: { preStop?: { exec?: { command: string[] } } } }).lifecycle?.preStop?.exec
        ?.command;
      expect(preStop?.[0]).toBe('sleep');
      expect(grace * 1000).toBeGreaterThanOrEqual(Number(preStop![1]) * 1000 + Number(config.SHUTDOWN_TIMEOUT_MS ?? 10_000));
      expect(ofKind(objects, 'Service').filter((s) => component(s) === 'gateway')).toHaveLength(1);
      const hpa = ofKind<K8sObject & { spec: { metrics: { type: string; resource?: { name: string } }[]; scaleTargetRef: { name: string } } }>(
        objects,
        'HorizontalPodAutoscaler',
      );
      if (hpa.length > 0) {
        expect(hpa[0]!.spec.scaleTargetRef.name).toBe(gateway.metadata.name);
        expect(hpa[0]!.spec.metrics.filter((m) => m.type === 'Resource').map((m) => m.resource!.name).sort()).toEqual(['cpu', 'memory']);
        expect(gateway.spec.replicas).toBeUndefined();
      } else {
        expect(gateway.spec.replicas).toBeGreaterThan(0);
      }
    });

    test('the admin API reads the cluster with its own ServiceAccount, a read-only Role, and ADMIN_TOKEN from a Secret (none in development)', () => {
      const admin = deploymentOf(objects, 'admin-api');
      const pod = admin.spec.template.spec;
      const [sa] = ofKind(objects, 'ServiceAccount');
      expect(pod.serviceAccountName).toBe(sa!.metadata.name);
      const [role] = ofKind<K8sObject & { rules: { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[] }>(
        objects,
        'Role',
      );
      const [binding] = ofKind<K8sObject & { roleRef: { name: string }; subjects: { name: string }[] }>(objects, 'RoleBinding');
      expect(binding!.roleRef.name).toBe(role!.metadata.name);
      expect(binding!.subjects.map((s) => s.name)).toEqual([sa!.metadata.name]);
      for (const rule of role!.rules) expect(rule.verbs.every((v) => v === 'get' || v === 'list')).toBe(true);
      const granted = role!.rules.flatMap((r) => r.resources.map((res) => `${r.apiGroups[0]}/${res}`)).sort();
      expect(granted).toEqual(['/pods', 'apps/deployments', 'autoscaling/horizontalpodautoscalers', 'keda.sh/scaledobjects']);

      const env = Object.fromEntries((pod.containers[0]!.env ?? []).map((e) => [e.name, e]));
      // Never open to the network without a token: development has no token and answers port-forward (loopback) only.
      expect(env.ADMIN_ALLOW_REMOTE).toBeUndefined();
      if (label === 'values-dev.yaml') {
        expect(env.ADMIN_TOKEN).toBeUndefined();
        expect(ofKind(objects, 'Secret').filter((o) => component(o) === 'admin-api')).toHaveLength(0);
      } else {
        const ref = env.ADMIN_TOKEN?.valueFrom?.secretKeyRef;
        expect(ref).toBeDefined();
        const made = ofKind(objects, 'Secret').find((o) => o.metadata.name === ref!.name);
        if (made) expect(Object.keys((made as unknown as { data: Record<string, string> }).data)).toEqual([ref!.key]);
      }
      // What /cluster looks for is what the chart created.
      const worker = deploymentOf(objects, 'worker');
      expect(env.K8S_WORKER_DEPLOYMENT?.value).toBe(worker.metadata.name);
      expect(env.K8S_SCALED_OBJECT?.value).toBe(ofKind(objects, 'ScaledObject')[0]!.metadata.name);
      const gatewayLabels = deploymentOf(objects, 'gateway').spec.template.metadata.labels;
      for (const term of env.K8S_GATEWAY_SELECTOR!.value!.split(',')) {
        const [key, value] = term.split('=');
        expect(gatewayLabels[key!]).toBe(value);
      }
      const otherPods = ofKind<DeploymentLike>(objects, 'Deployment').filter((d) => component(d) !== 'gateway');
      for (const d of otherPods) {
        const matches = env.K8S_GATEWAY_SELECTOR!.value!.split(',').every((t) => d.spec.template.metadata.labels[t.split('=')[0]!] === t.split('=')[1]);
        expect({ deployment: d.metadata.name, matches }).toEqual({ deployment: d.metadata.name, matches: false });
      }
      // The role reaches exactly those objects.
      const namesFor = (resource: string) => role!.rules.find((r) => r.resources.includes(resource))?.resourceNames;
      expect(namesFor('deployments')).toEqual([worker.metadata.name]);
      expect(namesFor('scaledobjects')).toEqual([worker.metadata.name]);
      expect(namesFor('horizontalpodautoscalers')).toEqual([`keda-hpa-${worker.metadata.name}`]);
    });
  });

  test('values.yaml restates the defaults of ConfigSchema for every setting it lists under config', () => {
    const config = (parseDocument(readFileSync(join(chartDir, 'values.yaml'), 'utf8')).toJS() as { config: Record<string, string> }).config;
    const defaults = ConfigSchema.parse({});
    for (const [key, value] of Object.entries(config)) {
      const parsed = ConfigSchema.shape[key as keyof typeof ConfigSchema.shape].parse(value) as unknown;
      expect({ key, value: parsed }).toEqual({ key, value: defaults[key as keyof typeof defaults] });
    }
    expect(Object.keys(config)).toEqual(expect.arrayContaining(['CLIENT_RATE_PER_S', 'CLIENT_BURST', 'CLIENT_ABUSE_S', 'MAX_BUFFERED_BYTES', 'MAX_CONNECTIONS', 'MAX_CONNECTS_PER_S']));
  });

  test('client kicks are off by default, as the admin API has a token; JWT_SECRET reaches the gateway alone, from a Secret', () => {
    expect(configMap(renderChart())).toMatchObject({ ALLOW_CLIENT_KICK: 'false' });
    expect(configMap(renderChart([], ['adminApi.enabled=false']))).not.toHaveProperty('ALLOW_CLIENT_KICK');
    expect(configMap(renderChart([], ['adminApi.enabled=false', 'config.JWT_JWKS_URL=https://id.example/jwks']))).toMatchObject({ ALLOW_CLIENT_KICK: 'false' });
    expect(configMap(renderChart([], ['config.ALLOW_CLIENT_KICK=true']))).toMatchObject({ ALLOW_CLIENT_KICK: 'true' });
    const objects = renderChart([], ['gateway.jwtSecret.existingSecret=cmf-jwt']);
    for (const d of ofKind<DeploymentLike>(objects, 'Deployment')) {
      const jwt = (d.spec.template.spec.containers[0]!.env ?? []).find((e) => e.name === 'JWT_SECRET');
      if (component(d) === 'gateway') expect(jwt?.valueFrom?.secretKeyRef).toEqual({ name: 'cmf-jwt', key: 'secret' });
      else expect(jwt).toBeUndefined();
    }
    expect(configMap(objects)).toMatchObject({ ALLOW_CLIENT_KICK: 'false' });
    expect(() => renderChart([], ['config.JWT_SECRET=in-plain-sight-in-a-configmap'])).toThrow(/JWT_SECRET/);
  });

  test.each(['values-dev.yaml', 'values-prod.yaml'])('%s: the gateways allow the origin of the simulator page, and read client addresses behind the Ingress', (file) => {
    const objects = renderChart([file]);
    const config = configMap(objects);
    const ingress = ofKind<K8sObject & { spec: { rules: { host: string }[]; tls?: unknown[] } }>(objects, 'Ingress').find((i) => component(i) === 'client-simulator')!;
    const origin = `${ingress.spec.tls ? 'https' : 'http'}://${ingress.spec.rules[0]!.host}`;
    expect(config.ALLOWED_ORIGINS!.split(',')).toContain(origin);
    expect(config.TRUST_PROXY_HOPS).toBe('1');
  });

  test('prod: connections need a JWT from the identity provider, and no anonymous client may kick', () => {
    const config = configMap(renderChart(['values-prod.yaml']));
    expect(config).toMatchObject({ ALLOW_CLIENT_KICK: 'false', JWT_AUDIENCE: 'cmf' });
    expect(config.JWT_JWKS_URL).toMatch(/^https:\/\//);
    expect(() => ConfigSchema.parse(config)).not.toThrow();
  });

  test('dev: one gateway without HPA or PDB, the simulator pointed at the gateway Ingress', () => {
    const objects = renderChart(['values-dev.yaml']);
    expect(ofKind(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
    expect(ofKind(objects, 'PodDisruptionBudget')).toHaveLength(0);
    expect(deploymentOf(objects, 'gateway').spec.replicas).toBe(1);
    const ingresses = ofKind<K8sObject & { spec: { rules: { host: string }[] } }>(objects, 'Ingress');
    const gatewayHost = ingresses.find((i) => component(i) === 'gateway')!.spec.rules[0]!.host;
    const sim = deploymentOf(objects, 'client-simulator').spec.template.spec.containers[0]!;
    expect(sim.env?.find((e) => e.name === 'SIMULATOR_GATEWAY_URL')?.value).toBe(`ws://${gatewayHost}`);
    expect(ingresses.map(component).sort()).toEqual(['client-simulator', 'gateway']);
    // The simulator's admin view may call the admin API from the simulator's own origin.
    const simulatorHost = ingresses.find((i) => component(i) === 'client-simulator')!.spec.rules[0]!.host;
    const admin = deploymentOf(objects, 'admin-api').spec.template.spec.containers[0]!;
    expect(admin.env?.find((e) => e.name === 'ADMIN_CORS_ORIGINS')?.value).toBe(`http://${simulatorHost}`);
    expect(sim.env?.find((e) => e.name === 'SIMULATOR_ADMIN_URL')?.value).toBe('http://localhost:8089');
  });

  test('admin CORS: none by default; adminApi.corsOrigins becomes ADMIN_CORS_ORIGINS; only exact origins pass the schema', () => {
    const env = (objects: K8sObject[], name: string): string | undefined =>
      deploymentOf(objects, 'admin-api').spec.template.spec.containers[0]!.env?.find((e) => e.name === name)?.value;
    expect(env(renderChart(), 'ADMIN_CORS_ORIGINS')).toBeUndefined();
    const set = renderChart([], ['adminApi.corsOrigins={https://sim.example.com,http://localhost:8080}']);
    expect(env(set, 'ADMIN_CORS_ORIGINS')).toBe('https://sim.example.com,http://localhost:8080');
    expect(() => renderChart([], ['adminApi.corsOrigins={https://sim.example.com/path}'])).toThrow(/corsOrigins/);
    expect(() => renderChart([], ['config.ADMIN_CORS_ORIGINS=https://x.example.com'])).toThrow(/ADMIN_CORS_ORIGINS/);
  });

  test('prod: SASL/TLS for the workers and for KEDA through a TriggerAuthentication, WebSocket timeouts on the Ingress, HPA on connections', () => {
    const objects = renderChart(['values-prod.yaml']);
    const [so] = ofKind<K8sObject & { spec: ScaledObjectSpec }>(objects, 'ScaledObject');
    const [auth] = ofKind<K8sObject & { spec: { secretTargetRef: { parameter: string; name: string; key: string }[] } }>(
      objects,
      'TriggerAuthentication',
    );
    const trigger = so!.spec.triggers[0]!;
    expect(trigger.authenticationRef?.name).toBe(auth!.metadata.name);
    expect(trigger.metadata).toMatchObject({ sasl: 'scram_sha512', tls: 'enable' });
    expect(auth!.spec.secretTargetRef.map((r) => r.parameter).sort()).toEqual(['password', 'username']);
    const worker = deploymentOf(objects, 'worker').spec.template.spec.containers[0]!;
    const secretRefs = (worker.env ?? []).filter((e) => e.valueFrom?.secretKeyRef);
    expect(secretRefs.map((e) => e.name).sort()).toEqual(['KAFKA_SASL_PASSWORD', 'KAFKA_SASL_USERNAME']);
    expect(new Set(secretRefs.map((e) => e.valueFrom!.secretKeyRef!.name))).toEqual(new Set(auth!.spec.secretTargetRef.map((r) => r.name)));
    expect(configMap(objects)).toMatchObject({ KAFKA_SSL: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512' });
    expect(so!.spec.maxReplicaCount).toBe(24);

    const gatewayIngress = ofKind(objects, 'Ingress').find((i) => component(i) === 'gateway')!;
    expect(Number(gatewayIngress.metadata.annotations?.['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
    const [hpa] = ofKind<K8sObject & { spec: { metrics: { type: string; pods?: { metric: { name: string } } }[] } }>(objects, 'HorizontalPodAutoscaler');
    expect(hpa!.spec.metrics.find((m) => m.type === 'Pods')?.pods?.metric.name).toBe('cmf_gateway_connections');
    // Secrets made outside the chart are referenced, not rendered.
    expect(ofKind(objects, 'Secret')).toHaveLength(0);
  });

  test('adminApi.allowRemote sets ADMIN_ALLOW_REMOTE; token.enabled=false drops ADMIN_TOKEN and its Secret', () => {
    const env = (objects: K8sObject[]) => deploymentOf(objects, 'admin-api').spec.template.spec.containers[0]!.env ?? [];
    const open = renderChart([], ['adminApi.token.enabled=false', 'adminApi.allowRemote=true']);
    expect(env(open).find((e) => e.name === 'ADMIN_ALLOW_REMOTE')?.value).toBe('true');
    expect(env(open).find((e) => e.name === 'ADMIN_TOKEN')).toBeUndefined();
    expect(ofKind(open, 'Secret').filter((s) => component(s) === 'admin-api')).toHaveLength(0);
    expect(() => renderChart([], ['config.ADMIN_ALLOW_REMOTE=true'])).toThrow(/ADMIN_ALLOW_REMOTE/);
  });

  test('gateways get RESUME_SECRET from a Secret (the chart makes one of 48 random characters, or uses an existing one); resumeSecret.enabled=false drops it', () => {
    const gatewayEnv = (objects: K8sObject[]) => deploymentOf(objects, 'gateway').spec.template.spec.containers[0]!.env ?? [];
    const objects = renderChart();
    const ref = gatewayEnv(objects).find((e) => e.name === 'RESUME_SECRET')?.valueFrom?.secretKeyRef;
    const secret = ofKind<K8sObject & { data: Record<string, string> }>(objects, 'Secret').find((s) => s.metadata.name === ref?.name);
    expect(Buffer.from(secret!.data[ref!.key]!, 'base64').toString()).toMatch(/^[A-Za-z0-9]{48}$/);
    // Only gateways sign and check tokens.
    for (const other of ['worker', 'admin-api']) expect(deploymentOf(objects, other).spec.template.spec.containers[0]!.env?.some((e) => e.name === 'RESUME_SECRET')).toBe(false);
    expect(gatewayEnv(renderChart([], ['gateway.resumeSecret.existingSecret=mine'])).find((e) => e.name === 'RESUME_SECRET')?.valueFrom?.secretKeyRef?.name).toBe('mine');
    const off = renderChart([], ['gateway.resumeSecret.enabled=false']);
    expect(gatewayEnv(off).find((e) => e.name === 'RESUME_SECRET')).toBeUndefined();
    expect(ofKind(off, 'Secret').filter((s) => component(s) === 'gateway')).toHaveLength(0);
    expect(() => renderChart([], ['gateway.resumeSecret.value=too-short'])).toThrow(/32/);
    expect(() => renderChart([], ['config.RESUME_SECRET=x'])).toThrow(/RESUME_SECRET/);
  });

  test('worker autoscaling off: a replicas field and no KEDA objects', () => {
    const objects = renderChart([], ['worker.autoscaling.enabled=false', 'worker.replicas=3']);
    expect(ofKind(objects, 'ScaledObject')).toHaveLength(0);
    expect(deploymentOf(objects, 'worker').spec.replicas).toBe(3);
  });

  test('the template refuses more workers than partitions of ws-in, and a grace period shorter than the drain', () => {
    expect(() => renderChart([], ['worker.autoscaling.maxReplicas=13'])).toThrow(/maxReplicas \(13\) exceeds the partitions of ws-in/);
    expect(() => renderChart([], ['kafka.inPartitions=24', 'worker.autoscaling.maxReplicas=24'])).not.toThrow();
    expect(() => renderChart([], ['gateway.terminationGracePeriodSeconds=10'])).toThrow(/must cover preStopSleepSeconds plus SHUTDOWN_TIMEOUT_MS/);
  });

  test('values.schema.json rejects bad values before any template runs', () => {
    expect(() => renderChart([], ['worker.autoscaling.maxReplicas=0'])).toThrow(/maxReplicas/);
    expect(() => renderChart([], ['kafka.brokers=not a broker'])).toThrow(/brokers/);
    expect(() => renderChart([], ['config.NOT_A_SETTING=1'])).toThrow(/NOT_A_SETTING/);
    expect(() => renderChart([], ['worker.autoscaling.triggerType=rabbitmq'])).toThrow(/triggerType/);
  });

  test('the schema validation is real: a broken object fails it', () => {
    const [deployment] = ofKind(renderChart(), 'Deployment');
    const broken = { ...deployment!, spec: { ...(deployment as DeploymentLike).spec, replicas: 'two' } } as K8sObject;
    expect(() => validate(broken)).toThrow(/replicas/);
  });

  test('config: the schema allows only ConfigSchema keys, and every ConfigSchema key is either allowed or set by the chart itself', () => {
    const schema = JSON.parse(readFileSync(join(chartDir, 'values.schema.json'), 'utf8')) as {
      properties: { config: { properties: Record<string, unknown>; additionalProperties: boolean } };
    };
    const allowed = Object.keys(schema.properties.config.properties);
    expect(schema.properties.config.additionalProperties).toBe(false);
    expect(allowed.filter((k) => !configKeys.has(k))).toEqual([]);
    const helpers = readFileSync(join(chartDir, 'templates/_helpers.tpl'), 'utf8');
    const reserved = /define "cmf\.reservedConfigKeys" -\}\}\s*([A-Z0-9_ ]+)\s*\{\{-/.exec(helpers)![1]!.trim().split(/\s+/);
    expect(reserved.filter((k) => !configKeys.has(k))).toEqual([]);
    const undecided = [...configKeys].filter((k) => !allowed.includes(k) && !reserved.includes(k));
    expect(undecided).toEqual([]);
    // A reserved key in `config` is refused by the template (the schema refuses it first).
    expect(() => renderChart([], ['config.WORKER_GROUP_ID=other'])).toThrow(/WORKER_GROUP_ID/);
  });

  test('values.yaml has a comment on every value', () => {
    const doc = parseDocument(readFileSync(join(chartDir, 'values.yaml'), 'utf8'));
    // Plain Kubernetes blocks are documented once, at their key.
    const passthrough = new Set(['resources', 'podSecurityContext', 'securityContext', 'affinity', 'nodeSelector', 'tolerations']);
    const undocumented: string[] = [];
    visit(doc, {
      Pair(_, pair: Pair, path) {
        const parent = path[path.length - 1];
        const first = isMap(parent) && parent.items[0] === pair;
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        const trail = path.filter((p): p is Pair => !isMap(p) && !isSeq(p) && 'key' in (p as object)).map((p) => String((p.key as { value: unknown }).value));
        if (trail.some((k) => passthrough.has(k))) return;
        const isGroup = isMap(pair.value) && pair.value.items.length > 0 && !passthrough.has(key);
        if (isGroup) return;
        const comment = (isScalar(pair.key) ? pair.key.commentBefore : undefined) ?? (first ? (parent as { commentBefore?: string }).commentBefore : undefined);
        if (!comment?.trim()) undocumented.push([...trail, key].join('.'));
      },
    });
    expect(undocumented).toEqual([]);
  });

  test('the chart README and NOTES.txt exist, and NOTES renders', () => {
    expect(readFileSync(join(chartDir, 'README.md'), 'utf8')).toMatch(/KEDA/);
    // NOTES.txt is rendered only by `helm install`, which needs a cluster: render it offline from a
    // copy of the chart where it is wrapped in a template.
    const copy = mkdtempSync(join(tmpdir(), 'cmf-chart-'));
    try {
      cpSync(chartDir, copy, { recursive: true });
      const notesText = readFileSync(join(chartDir, 'templates/NOTES.txt'), 'utf8');
      writeFileSync(join(copy, 'templates/_notes.tpl'), `{{- define "notes.preview" -}}\n${notesText}\n{{- end -}}\n`);
      writeFileSync(
        join(copy, 'templates/notes-preview.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ include "notes.preview" . | quote }}\n',
      );
      const out = runHelm(['template', 'cmf', copy, '--namespace', 'cmf', '--kube-version', '1.31.0', '--show-only', 'templates/notes-preview.yaml']);
      const notes = (parseDocument(out).toJS() as { data: { notes: string } }).data.notes;
      expect(notes).toMatch(/port-forward svc\/cmf-gateway 8088:8088/);
      expect(notes).toMatch(/KEDA must be installed/);
      expect(notes).toMatch(/GET \/cluster/);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});

interface ScaledObjectSpec {
  scaleTargetRef: { name: string };
  minReplicaCount: number;
  maxReplicaCount: number;
  triggers: { type: string; metadata: Record<string, string>; authenticationRef?: { name: string } }[];
}
