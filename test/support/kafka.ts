/** The broker integration tests use: KAFKA_BROKERS, which `npm test` sets after starting one. */
export function requireBrokers(): string[] {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (brokers.length === 0) {
    throw new Error(
      'Integration tests need a Kafka broker: KAFKA_BROKERS is not set. Run them with `npm test` ' +
        '(it starts one with scripts/kafka/start.sh) or set KAFKA_BROKERS=host:port.',
    );
  }
  return brokers;
}
