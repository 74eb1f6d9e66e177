export { createGateway, type Gateway, type GatewayDeps } from './gateway.js';
export { createGatewayServer } from './gateway-server.js';
export { GatewayMetrics, gatewayMetrics } from './gateway-metrics.js';
export { type Admission, type UpgradeRule } from './upgrade-policy.js';
export { upgradeRules } from './upgrade-rules.js';
