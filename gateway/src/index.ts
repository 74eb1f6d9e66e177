export { createGateway, type Gateway, type GatewayDeps } from './gateway.js';
export { createGatewayServer } from './gateway-server.js';
