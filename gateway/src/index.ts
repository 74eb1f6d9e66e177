export { createGateway, type Gateway, type GatewayDeps, type GatewayHealth } from './gateway.js';
export { createGatewayServer, handleGatewayProbe } from './gateway-server.js';
