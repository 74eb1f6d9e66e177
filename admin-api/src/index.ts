export { createAdminApp, type AdminAppDeps } from './admin-app.js';
export { accessModeOf, type AccessMode } from './access/access-mode.js';
export type { AdminDeps } from './deps.js';
export type { Route } from './http/route.js';
export { KubernetesStatus, type KubernetesTargets } from './kubernetes-status.js';
export type { GatewayPod, KubernetesReport } from './kubernetes-report.js';
export { openApiDocument, type OpenApiDocument } from './openapi.js';
export { routes } from './routes/index.js';
