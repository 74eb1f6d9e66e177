import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const chartDir = fileURLToPath(new URL('../../charts/cmf/', import.meta.url));

/** A rendered Kubernetes object, as plain data. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

let found: string | undefined;

/**
 * The helm binary: $HELM, `helm` on PATH, or where `go install` puts it ($GOBIN, $GOPATH/bin,
 * ~/go/bin), which is how .ci/run installs it.
 */
export function helm(): string {
  if (found) return found;
  const candidates = [
    process.env.HELM,
    'helm',
    process.env.GOBIN && join(process.env.GOBIN, 'helm'),
    process.env.GOPATH && join(process.env.GOPATH, 'bin', 'helm'),
    join(homedir(), 'go', 'bin', 'helm'),
  ].filter((c): c is string => Boolean(c));
  for (const candidate of candidates) {
    if ((candidate === 'helm' || existsSync(candidate)) && spawnSync(candidate, ['version', '--short']).status === 0) {
      found = candidate;
      return candidate;
    }
  }
  throw new Error(
    `Helm is required for the chart tests and was not found (tried ${candidates.join(', ')}). ` +
      '.ci/run installs it with `go install helm.sh/helm/v3/cmd/helm@v3.22.0`; or set HELM=/path/to/helm.',
  );
}

/** Runs helm and returns stdout; throws with helm's stderr on failure. */
export function runHelm(args: string[]): string {
  try {
    return execFileSync(helm(), args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`helm ${args.join(' ')} failed: ${stderr || String(err)}`);
  }
}

/** `helm template` of the chart with these values files and --set pairs, as objects. */
export function renderChart(valuesFiles: string[] = [], set: string[] = []): K8sObject[] {
  const out = runHelm([
    'template',
    'cmf',
    chartDir,
    '--namespace',
    'cmf',
    // A go-installed helm has no build-time Kubernetes version; name a current one.
    '--kube-version',
    '1.31.0',
    ...valuesFiles.flatMap((f) => ['-f', join(chartDir, f)]),
    ...set.flatMap((s) => ['--set', s]),
  ]);
  return parseAllDocuments(out)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm template printed invalid YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}
