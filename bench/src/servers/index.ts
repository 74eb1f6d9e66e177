import { startCentrifugo } from './centrifugo.js';
import { startCmfKafka, startCmfMemory } from './cmf.js';
import { startSocketIo, startWsFloor } from './node-peers.js';
import type { ServerName, StartServer } from './server.js';

export const startServer: Record<ServerName, StartServer> = {
  'cmf-memory': startCmfMemory,
  'cmf-kafka': startCmfKafka,
  ws: startWsFloor,
  socketio: startSocketIo,
  centrifugo: startCentrifugo,
};

export { SERVER_NAMES, type RunningServer, type ServerContext, type ServerName } from './server.js';
export { startKafkaBroker, type KafkaBroker } from './kafka-broker.js';
