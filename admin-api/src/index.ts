export { createAdminApp, type AdminAppDeps } from './admin-app.js';
export { KubernetesStatus, type GatewayPod, type KubernetesReport, type KubernetesTargets } from './kubernetes-status.js';
export { openApiDocument } from './openapi.js';
export { routes, type AdminDeps } from './routes.js';
