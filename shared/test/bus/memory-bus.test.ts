import { MemoryBus } from '@cmf/shared';
import { busContract } from './bus-contract.js';

busContract('MemoryBus', async () => new MemoryBus());
