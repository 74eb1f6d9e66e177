import { createLogger, KafkaBus } from '@cmf/shared';
import { requireBrokers } from '../../../test/support/kafka.js';
import { busContract } from './bus-contract.js';

const brokers = requireBrokers();

busContract('KafkaBus', async () =>
  new KafkaBus({ brokers, clientId: 'contract', replicationFactor: 1, logger: createLogger('error') }),
);
