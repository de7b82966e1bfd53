// kubeconfig.ts against real files: kubectl's merge rules, contexts, relative paths, plugins.
import {afterEach, describe, expect, test} from '@jest/globals';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {delimiter, join} from 'node:path';
import {loadKubeconfig} from '../../src/adapters/knative/kubeconfig.js';
import {FnError} from '../../src/core/errors.js';

const saved = process.env.KUBECONFIG;
afterEach(() => {
  if (saved === undefined) delete process.env.KUBECONFIG;
  else process.env.KUBECONFIG = saved;
});

function write(dir: string, name: string, config: object): string {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe('loadKubeconfig', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fn-kubeconfig-'));
  writeFileSync(join(dir, 'token'), 'file-token\n');
  const first = write(dir, 'a.yaml', {
    'current-context': 'dev',
    clusters: [{name: 'c1', cluster: {server: 'https://10.0.0.1:6443', 'certificate-authority-data': Buffer.from('CA').toString('base64')}}],
    users: [{name: 'u1', user: {tokenFile: 'token'}}],
    contexts: [{name: 'dev', context: {cluster: 'c1', user: 'u1', namespace: 'team'}}],
  });
  const second = write(dir, 'b.yaml', {
    'current-context': 'ignored',
    clusters: [{name: 'c1', cluster: {server: 'https://shadowed'}}, {name: 'c2', cluster: {server: 'https://10.0.0.2', 'insecure-skip-tls-verify': true}}],
    users: [{name: 'u2', user: {username: 'ada', password: 'pw'}}, {name: 'plugin', user: {exec: {command: 'aws'}}}],
    contexts: [{name: 'prod', context: {cluster: 'c2', user: 'u2'}}, {name: 'eks', context: {cluster: 'c2', user: 'plugin'}}],
  });

  test('the first file wins; tokenFile relative to its file; the context namespace', () => {
    process.env.KUBECONFIG = [first, second].join(delimiter);
    const c = loadKubeconfig({});
    expect(c).toMatchObject({kind: 'direct', server: 'https://10.0.0.1:6443', contextName: 'dev', namespace: 'team', headers: {Authorization: 'Bearer file-token'}});
    expect(c.kind === 'direct' && c.ca?.toString()).toBe('CA');
  });

  test('--context picks another; basic auth; insecure; namespace defaults to "default"', () => {
    process.env.KUBECONFIG = [first, second].join(delimiter);
    expect(loadKubeconfig({context: 'prod'})).toMatchObject({
      server: 'https://10.0.0.2',
      namespace: 'default',
      rejectUnauthorized: false,
      headers: {Authorization: `Basic ${Buffer.from('ada:pw').toString('base64')}`},
    });
  });

  test('exec plugins are left to client-node', () => {
    process.env.KUBECONFIG = [first, second].join(delimiter);
    expect(loadKubeconfig({context: 'eks'})).toEqual({kind: 'plugin'});
  });

  test('an unknown context lists the known ones (exit 2); no file at all is exit 7', () => {
    process.env.KUBECONFIG = [first, second].join(delimiter);
    const e = (() => {
      try {
        loadKubeconfig({context: 'nope'});
      } catch (error) {
        return error as FnError;
      }
    })();
    expect(e?.message).toBe('--context "nope" is not in the kubeconfig. Contexts: dev, prod, eks');
    expect(e?.exitCode).toBe(2);
    process.env.KUBECONFIG = join(dir, 'missing.yaml');
    expect(() => loadKubeconfig({})).toThrow(expect.objectContaining({code: 'NO_KUBECONFIG', exitCode: 7}));
  });
});
