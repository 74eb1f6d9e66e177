export { createAdminApp } from './admin-app.js';
export { openApiDocument } from './openapi.js';
export { routes, type AdminDeps } from './routes.js';
