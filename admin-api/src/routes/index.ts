import type { Route } from '../http/route.js';
import { broadcast } from './broadcast.js';
import { kickAll, kickOne, listClients } from './clients.js';
import { cluster } from './cluster.js';
import { health, metrics, ready } from './probes.js';

/** The admin API, as data: Express routes and the OpenAPI document are both made from this list. */
export const routes: readonly Route[] = [health, ready, metrics, cluster, listClients, kickAll, kickOne, broadcast];
