import { startAllInOne } from '@cmf/all-in-one';
import { createLogger, loadConfig } from '@cmf/shared';
const env = JSON.parse(process.argv[2] ?? '{}');
const s = await startAllInOne(loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env }), createLogger('warn'));
console.log(s.port);
