import { resolve } from 'node:path';
import { parseOptions } from '../src/options.js';

const parse = (...args: string[]) => parseOptions(args, '/tmp/results');

describe('npm run bench options', () => {
  test('defaults: every scenario, every server, two runs, servers on CPU 0 and the generator on CPU 1', () => {
    expect(parse()).toMatchObject({
      smoke: false,
      scenarios: ['S1', 'S2', 'S3', 'S4', 'S5'],
      servers: ['cmf-memory', 'cmf-kafka', 'ws', 'socketio', 'centrifugo'],
      runs: 2,
      serverCpus: '0',
      generatorCpus: '1',
      cmfPresence: undefined,
      outDir: '/tmp/results',
    });
  });

  test('--smoke runs once; --only, --servers, --runs, --cmf-presence and --env are taken as given', () => {
    expect(parse('--smoke')).toMatchObject({ smoke: true, runs: 1 });
    expect(
      parse('--only', 's3,S1', '--servers', 'cmf-memory,centrifugo', '--runs', '3', '--cmf-presence', 'none', '--env', 'A=1', '--env', 'B=x=y'),
    ).toMatchObject({
      scenarios: ['S3', 'S1'],
      servers: ['cmf-memory', 'centrifugo'],
      runs: 3,
      cmfPresence: 'none',
      cmfEnv: { A: '1', B: 'x=y' },
    });
    expect(parse('--server-cpus', '', '--generator-cpus', '')).toMatchObject({ serverCpus: undefined, generatorCpus: undefined });
  });

  test('--cmf-profile names the directory for CPU profiles, made absolute (CMF runs from elsewhere); none without it', () => {
    expect(parse('--cmf-profile', 'prof')).toMatchObject({ cmfProfileDir: resolve('prof') });
    expect(parse()).toMatchObject({ cmfProfileDir: undefined });
  });

  test('bad values are refused with the reason', () => {
    expect(() => parse('--only', 'S9')).toThrow('unknown scenario "S9"');
    expect(() => parse('--servers', 'nginx')).toThrow('unknown server "nginx"');
    expect(() => parse('--runs', '0')).toThrow('--runs must be a positive integer');
    expect(() => parse('--env', 'NOVALUE')).toThrow('--env wants KEY=VALUE');
    expect(() => parse('--payload', '10')).toThrow('at least 40');
    expect(() => parse('--clients-per-process', '25000')).toThrow('20,000 open files');
    expect(() => parse('--bogus')).toThrow();
  });

  test('--report names a results file to render instead of measuring', () => {
    expect(parse('--report', 'bench/results/x.json', '--write-docs')).toMatchObject({ report: 'bench/results/x.json', writeDocs: true });
  });

  test('--help is its own answer', () => {
    expect(parse('--help')).toBe('help');
  });
});
