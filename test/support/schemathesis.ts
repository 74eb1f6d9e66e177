import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const scripts = fileURLToPath(new URL('../../scripts/schemathesis/', import.meta.url));

/** The schemathesis version the tests are pinned to (scripts/schemathesis/VERSION). */
export const SCHEMATHESIS_VERSION = readFileSync(join(scripts, 'VERSION'), 'utf8').trim();

/**
 * schemathesis' `st` at the pinned version: $SCHEMATHESIS, the virtualenv
 * scripts/schemathesis/install.sh makes (which .ci/run runs), or `st` on PATH.
 */
export function schemathesis(): string {
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache');
  const candidates = [
    process.env.SCHEMATHESIS,
    process.env.CMF_SCHEMATHESIS_VENV && join(process.env.CMF_SCHEMATHESIS_VENV, 'bin', 'st'),
    join(cache, 'cmf-tools', `schemathesis-${SCHEMATHESIS_VERSION}`, 'bin', 'st'),
    'st',
  ].filter((c): c is string => Boolean(c));
  const seen: string[] = [];
  for (const candidate of candidates) {
    const version = spawnSync(candidate, ['--version'], { encoding: 'utf8' });
    if (version.status === 0 && version.stdout.trim().endsWith(` version ${SCHEMATHESIS_VERSION}`)) return candidate;
    seen.push(version.status === 0 ? `${candidate} (${version.stdout.trim()})` : candidate);
  }
  throw new Error(
    `schemathesis ${SCHEMATHESIS_VERSION} is required for the admin API's schemathesis test and was not found ` +
      `(tried ${seen.join(', ')}). Install it from PyPI with \`bash scripts/schemathesis/install.sh\` ` +
      '(.ci/run does), or set SCHEMATHESIS=/path/to/st.',
  );
}
