import { randomUUID } from 'node:crypto';
import { createLogger, KafkaBus } from '@cmf/shared';
import { requireBrokers } from '../../../test/support/kafka.js';
import { busContract } from './bus-contract.js';

const brokers = requireBrokers();

busContract('KafkaBus', async () =>
  new KafkaBus({ brokers, clientId: 'contract', replicationFactor: 1, logger: createLogger('error') }),
);

test('a topic that should stamp append time but was made without it is reported, naming the setting', async () => {
  const lines: string[] = [];
  const logger = createLogger('warn', 'kafka', 'json', (line) => lines.push(line));
  const bus = new KafkaBus({ brokers, clientId: 'append-time', replicationFactor: 1, logger });
  try {
    const made = `made-elsewhere-${randomUUID()}`;
    const ours = `made-by-cmf-${randomUUID()}`;
    await bus.ensureTopics([{ name: made, partitions: 1 }]);
    await bus.ensureTopics([{ name: ours, partitions: 1, appendTime: true }]);
    await bus.ensureTopics([
      { name: made, partitions: 1, appendTime: true },
      { name: ours, partitions: 1, appendTime: true },
    ]);
    const warnings = lines.map((l) => JSON.parse(l) as { msg: string }).filter((l) => l.msg.includes('LogAppendTime'));
    expect(warnings.map((w) => w.msg.split(' ')[1])).toEqual([made]);
  } finally {
    await bus.close();
  }
});
