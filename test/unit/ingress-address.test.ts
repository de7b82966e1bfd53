// The one rule for reaching a deployed function's URL (core/ingress-address.ts): address parsing,
// and the precedence --ingress > FN_INGRESS > DNS > what the cluster publishes > an error.
import {describe, expect, test} from '@jest/globals';
import {ExitCode, FnError} from '../../src/core/errors.js';
import {describeEndpoint, explicitIngress, parseIngressAddress, reachFunction, type ReachLookups} from '../../src/core/ingress-address.js';
import {fnError} from '../support/fn-error.js';

describe('parseIngressAddress', () => {
  test.each([
    ['127.77.0.1:80', '127.77.0.1', 80],
    ['192.168.49.2', '192.168.49.2', 80],
    ['ingress.example.com:8443', 'ingress.example.com', 8443],
    ['localhost:31080', 'localhost', 31080],
    ['[::1]:8080', '::1', 8080],
    ['[fd00::2]', 'fd00::2', 80],
    ['fd00::2', 'fd00::2', 80],
    [' 10.0.0.5:81 ', '10.0.0.5', 81],
  ])('%s → %s port %d', (value, host, port) => {
    expect(parseIngressAddress(value, '--ingress')).toEqual({host, port, source: '--ingress'});
  });

  test('the default port is the URL scheme\'s', () => {
    expect(parseIngressAddress('10.0.0.5', '--ingress', 443).port).toBe(443);
  });

  test.each(['', 'http://10.0.0.5', '10.0.0.5:0', '10.0.0.5:70000', '10.0.0.5:port', 'a b', '[zz::1]:80', '.example:80'])('%j is refused as a usage error naming the source', (value) => {
    const e = fnError(() => parseIngressAddress(value, 'FN_INGRESS'));
    expect(e.exitCode).toBe(ExitCode.usage);
    expect(e.message).toContain('FN_INGRESS');
    expect(e.suggestion).toContain('FN_INGRESS=');
  });
});

describe('explicitIngress', () => {
  test('the flag wins over the environment, which wins over nothing', () => {
    expect(explicitIngress('1.2.3.4', {FN_INGRESS: '5.6.7.8'})).toEqual({value: '1.2.3.4', source: '--ingress'});
    expect(explicitIngress(undefined, {FN_INGRESS: '5.6.7.8'})).toEqual({value: '5.6.7.8', source: 'FN_INGRESS'});
    expect(explicitIngress(undefined, {})).toBeUndefined();
    // oclif hands FN_INGRESS to the flag itself: the same value is named for where it came from.
    expect(explicitIngress('5.6.7.8', {FN_INGRESS: '5.6.7.8'})).toEqual({value: '5.6.7.8', source: 'FN_INGRESS'});
  });
});

function lookups(over: Partial<ReachLookups> & {resolving?: string[]} = {}): ReachLookups & {asked: string[]} {
  const asked: string[] = [];
  return {
    asked,
    explicit: over.explicit,
    resolves: async (host) => {
      asked.push(`dns ${host}`);
      return (over.resolving ?? []).includes(host);
    },
    discover: over.discover ?? (async () => (asked.push('discover'), undefined)),
  };
}

describe('reachFunction', () => {
  const url = 'http://hello.fn-e2e.example.test';

  test('an explicit address is used without asking DNS or the cluster', async () => {
    const l = lookups({explicit: {value: '127.77.0.1:80', source: '--ingress'}, resolving: ['hello.fn-e2e.example.test']});
    expect(await reachFunction(url, l)).toEqual({url, via: {host: '127.77.0.1', port: 80, source: '--ingress'}});
    expect(l.asked).toEqual([]);
  });

  test('https without a port goes to 443 on the explicit address', async () => {
    const r = await reachFunction('https://hello.default.example.com', lookups({explicit: {value: '10.1.1.1', source: 'FN_INGRESS'}}));
    expect(r.via).toEqual({host: '10.1.1.1', port: 443, source: 'FN_INGRESS'});
  });

  test('a host that resolves is used directly: nothing changes for clusters with DNS', async () => {
    const l = lookups({resolving: ['hello.fn-e2e.example.test']});
    expect(await reachFunction(url, l)).toEqual({url});
    expect(l.asked).toEqual(['dns hello.fn-e2e.example.test']);
  });

  test('IP literals and localhost need no lookup at all', async () => {
    for (const target of ['http://127.0.0.1:8080/x', 'http://[::1]:8080', 'http://localhost:8080']) {
      const l = lookups();
      expect(await reachFunction(target, l)).toEqual({url: target});
      expect(l.asked).toEqual([]);
    }
  });

  test('a host that does not resolve goes to the ingress the cluster publishes', async () => {
    const via = {host: '127.77.0.1', port: 80, source: 'KIngress fn-e2e/hello → Service knative-serving/fn-testenv-ingress'};
    const l = lookups({discover: async () => via});
    expect(await reachFunction(url, l)).toEqual({url, via});
    expect(describeEndpoint({url, via})).toBe(`${url} via 127.77.0.1:80 (${via.source})`);
  });

  test('nothing works: a documented exit code (not 1) naming the host and both settings', async () => {
    const e = await reachFunction(url, lookups()).catch((err) => err);
    expect(e).toBeInstanceOf(FnError);
    expect(e.code).toBe('NO_INGRESS');
    expect(e.exitCode).toBe(ExitCode.noIngress);
    expect(e.exitCode).not.toBe(1);
    expect(e.message).toContain('hello.fn-e2e.example.test does not resolve');
    expect(e.suggestion).toContain('--ingress HOST[:PORT]');
    expect(e.suggestion).toContain('FN_INGRESS=HOST[:PORT]');
  });
});
