import { runService } from '@cmf/shared';
import { startAllInOne } from './all-in-one.js';

await runService('cmf', startAllInOne);
