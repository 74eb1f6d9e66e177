import { CmfError, createLogger } from '@cmf/shared';

const capture = (format: 'json' | 'pretty') => {
  const lines: string[] = [];
  return { lines, logger: createLogger('info', 'demo', format, (line) => lines.push(line)) };
};

describe('logger', () => {
  const err = new CmfError('bus-unavailable', 'cannot reach Kafka', { cause: new Error('ECONNREFUSED 127.0.0.1:9') });

  test('JSON lines keep an error\'s code, retriable flag, stack and cause', () => {
    const { lines, logger } = capture('json');
    logger.warn('publish failed', { err, topic: 'ws-in' });
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ level: 'warn', component: 'demo', msg: 'publish failed', topic: 'ws-in' });
    expect(entry.err).toMatchObject({ name: 'CmfError', message: 'cannot reach Kafka', code: 'bus-unavailable', retriable: true });
    expect(entry.err.stack).toContain('logger.test.ts');
    expect(entry.err.cause).toMatchObject({ name: 'Error', message: 'ECONNREFUSED 127.0.0.1:9' });
  });

  test('pretty lines read as a sentence, then the stack and its causes', () => {
    const { lines, logger } = capture('pretty');
    logger.error('publish failed', { err, topic: 'ws-in' });
    const text = lines.join('');
    expect(text).toMatch(/ERROR .*demo.*publish failed err="cannot reach Kafka" topic=ws-in/);
    expect(text).toContain('CmfError: cannot reach Kafka [bus-unavailable, retriable]');
    expect(text).toContain('caused by:');
    expect(text).toContain('Error: ECONNREFUSED 127.0.0.1:9');
    expect(text).not.toMatch(/^\{/);
  });

  test('levels below the threshold are dropped; children keep the format and the sink', () => {
    const { lines, logger } = capture('json');
    logger.debug('hidden');
    logger.child('child').info('shown');
    expect(lines.map((l) => JSON.parse(l).component)).toEqual(['child']);
  });
});
