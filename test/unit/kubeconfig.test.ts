// kubeconfig.ts against real files: kubectl's merge rules, contexts, relative paths, exec plugins,
// impersonation.
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
    users: [
      {name: 'u2', user: {username: 'ada', password: 'pw'}},
      {name: 'plugin', user: {exec: {apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'aws', args: ['eks', 'get-token'], env: [{name: 'AWS_PROFILE', value: 'dev'}], provideClusterInfo: true}}},
      {name: 'local-plugin', user: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: './bin/get-token', interactiveMode: 'Never'}}},
      {name: 'old-plugin', user: {exec: {command: 'aws'}}},
      {name: 'v1-no-mode', user: {exec: {apiVersion: 'client.authentication.k8s.io/v1', command: 'aws'}}},
      {name: 'oidc', user: {'auth-provider': {name: 'oidc'}, as: 'ada'}},
      {name: 'admin-as-ada', user: {token: 'admin', as: 'ada', 'as-uid': '42', 'as-groups': ['dev', 'ops'], 'as-user-extra': {'scopes.example.com/x y': ['a', 'b']}}},
      {name: 'groups-only', user: {token: 'admin', 'as-groups': ['dev']}},
    ],
    contexts: [
      {name: 'prod', context: {cluster: 'c2', user: 'u2'}},
      {name: 'eks', context: {cluster: 'c2', user: 'plugin'}},
      {name: 'local', context: {cluster: 'c2', user: 'local-plugin'}},
      {name: 'old', context: {cluster: 'c2', user: 'old-plugin'}},
      {name: 'v1-no-mode', context: {cluster: 'c2', user: 'v1-no-mode'}},
      {name: 'oidc', context: {cluster: 'c2', user: 'oidc'}},
      {name: 'as', context: {cluster: 'c2', user: 'admin-as-ada'}},
      {name: 'groups-only', context: {cluster: 'c2', user: 'groups-only'}},
    ],
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

  test('exec plugins are read by fn: command, args, env, cluster info; a relative command is relative to the file', () => {
    process.env.KUBECONFIG = [first, second].join(delimiter);
    const eks = loadKubeconfig({context: 'eks'});
    expect(eks).toMatchObject({
      kind: 'direct',
      headers: {},
      exec: {
        command: 'aws',
        args: ['eks', 'get-token'],
        env: {AWS_PROFILE: 'dev'},
        apiVersion: 'client.authentication.k8s.io/v1beta1',
        interactiveMode: 'IfAvailable',
        cluster: {server: 'https://10.0.0.2', 'insecure-skip-tls-verify': true},
        user: 'plugin',
        context: 'eks',
      },
    });
    expect(loadKubeconfig({context: 'local'})).toMatchObject({exec: {command: join(dir, 'bin/get-token'), interactiveMode: 'Never'}});
  });

  test('an exec entry kubectl would refuse is refused naming the field and what is accepted (exit 7)', () => {
    process.env.KUBECONFIG = [first, second].join(delimiter);
    expect(() => loadKubeconfig({context: 'old'})).toThrow(expect.objectContaining({code: 'INVALID_KUBECONFIG', exitCode: 7, message: expect.stringMatching(/exec\.apiVersion null is not supported; accepted: client\.authentication\.k8s\.io\/v1, /)}));
    expect(() => loadKubeconfig({context: 'v1-no-mode'})).toThrow(expect.objectContaining({message: expect.stringContaining('exec.interactiveMode is required with client.authentication.k8s.io/v1; accepted: Never, IfAvailable, Always')}));
  });

  test('auth-provider plugins are left to client-node, with the impersonation headers it does not send', () => {
    process.env.KUBECONFIG = [first, second].join(delimiter);
    expect(loadKubeconfig({context: 'oidc'})).toEqual({kind: 'plugin', headers: {'Impersonate-User': 'ada'}});
  });

  test('as, as-uid, as-groups, as-user-extra become the Impersonate-* headers', () => {
    process.env.KUBECONFIG = [first, second].join(delimiter);
    expect(loadKubeconfig({context: 'as'})).toMatchObject({
      headers: {
        Authorization: 'Bearer admin',
        'Impersonate-User': 'ada',
        'Impersonate-Uid': '42',
        'Impersonate-Group': ['dev', 'ops'],
        'Impersonate-Extra-scopes.example.com%2Fx%20y': ['a', 'b'],
      },
    });
    expect(() => loadKubeconfig({context: 'groups-only'})).toThrow(expect.objectContaining({code: 'INVALID_KUBECONFIG', message: expect.stringContaining('need "as"')}));
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
    expect(e?.message).toBe('--context "nope" is not in the kubeconfig. Contexts: dev, prod, eks, local, old, v1-no-mode, oidc, as, groups-only');
    expect(e?.exitCode).toBe(2);
    process.env.KUBECONFIG = join(dir, 'missing.yaml');
    expect(() => loadKubeconfig({})).toThrow(expect.objectContaining({code: 'NO_KUBECONFIG', exitCode: 7}));
  });
});
