import {describe, expect, test} from '@jest/globals';
import {mkdtemp, readFile, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {FnError} from '../../src/core/errors.js';
import {loadFunction, parseFunction, stringifyFunction, type FunctionConfig} from '../../src/core/function.js';
import {MAX_FN_YAML_BYTES} from '../../src/core/fn-yaml.js';
import {fnError} from '../support/fn-error.js';

const full = `specVersion: 1
name: orders
runtime: go
template: cloudevents
image: 127.0.0.1:5000/team/orders
registry: 127.0.0.1:5000/team
namespace: shop
build:
  baseImage: mirror.local/debian:bookworm-slim
  builderImage: mirror.local/golang:1.23
  buildArgs: {GOFLAGS: -mod=mod}
  platform: linux/amd64
env:
  - {name: LOG_LEVEL, value: debug}
  - name: DB_PASSWORD
    secretKeyRef: {name: db, key: password}
  - name: FEATURE
    configMapKeyRef: {name: flags, key: feature, optional: true}
envFrom:
  - secretRef: shared-secrets
  - configMapRef: shared-config
scale: {min: 1, max: 10, initial: 2, target: 50, metric: rps, concurrency: 100}
timeout: 120
resources:
  requests: {cpu: 100m, memory: 128Mi}
  limits: {memory: 256Mi}
labels: {team: shop}
annotations: {owner: ada}
deploy: {routing: route}
`;

describe('parseFunction: accepted files', () => {
  test('the smallest file', () => {
    expect(parseFunction('name: hello\nruntime: node\n')).toEqual({name: 'hello', runtime: 'node'});
  });

  test('every documented key', () => {
    const config = parseFunction(full);
    expect(config.env?.[1].secretKeyRef).toEqual({name: 'db', key: 'password'});
    expect(config.scale).toEqual({min: 1, max: 10, initial: 2, target: 50, metric: 'rps', concurrency: 100});
    expect(config.deploy?.routing).toBe('route');
    expect(config.build?.buildArgs).toEqual({GOFLAGS: '-mod=mod'});
  });
});

// Each bad file: the position, the field and what the message must offer.
const rejected: [string, string, RegExp][] = [
  ['name: hello\nruntime: ruby\n', 'fn.yaml:2:10', /runtime must be one of: node, typescript, python, go/],
  ['name: hello\nruntim: node\n', 'fn.yaml:2:1', /unknown key "runtim"\. Did you mean "runtime"\?/],
  ['name: hello\nruntime: node\nscale:\n  mni: 1\n', 'fn.yaml:4:3', /scale\.mni unknown key "mni"\. Did you mean "min"\?/],
  ['name: a\nruntime: node\nenv:\n  - name: X\n    valeu: y\n', 'fn.yaml:5:5', /env\[0\]\.valeu unknown key "valeu"\. Did you mean "value"\?/],
  ['name: a\nruntime: node\nscale:\n  concurrency: 5000\n', 'fn.yaml:4:16', /scale\.concurrency must be <= 1000/],
  ['name: a\nruntime: node\ntimeout: soon\n', 'fn.yaml:3:10', /timeout must be integer/],
  ['name: a\nruntime: node\ndeploy: {routing: ingress}\n', 'fn.yaml:3:19', /deploy\.routing must be one of: service, route/],
  ['runtime: node\n', 'fn.yaml:1:1', /name is required/],
  ['name: Hello_World\nruntime: node\n', 'fn.yaml:1:7', /name "Hello_World" is not a valid function name/],
  ['name: [\n', 'fn.yaml:2:1', /Flow sequence/],
  ['name: a\nname: b\nruntime: node\n', 'fn.yaml:2:1', /duplicate key "name" \(first at line 1\)/],
  ['name: a\nruntime: node\nlabels:\n  x: "1"\n  y: "2"\n  x: "3"\n', 'fn.yaml:6:3', /labels\.x duplicate key "x" \(first at line 4\)/],
  // The API server refuses a second env entry of one name; fn said "API server error: retry".
  ['name: a\nruntime: node\nenv:\n  - {name: A, value: "1"}\n  - {name: A, value: "2"}\n', 'fn.yaml:5:12', /env\[1\]\.name "A" is already set by env\[0\]/],
  // `kubectl create namespace Bad_NS`, which fn used to suggest, is itself refused.
  ['name: a\nruntime: node\nnamespace: Bad_NS\n', 'fn.yaml:3:12', /namespace "Bad_NS" is not a valid namespace: .*63 lowercase letters, digits and '-'/],
];

describe('parseFunction: rejected files', () => {
  test.each(rejected)('%j', (text, position, message) => {
    let error: unknown;
    try {
      parseFunction(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FnError);
    const fnError = error as FnError;
    expect(fnError.exitCode).toBe(2);
    expect(fnError.message.startsWith(`${position}:`)).toBe(true);
    expect(fnError.message).toMatch(message);
    expect(fnError.suggestion).toBeTruthy();
  });

  test('an invalid namespace suggests a valid one', () => {
    expect(() => parseFunction('name: a\nruntime: node\nnamespace: Bad_NS\n')).toThrow(expect.objectContaining({code: 'INVALID_NAMESPACE', suggestion: 'set "namespace: bad-ns" in fn.yaml'}));
  });

  test('an invalid name suggests a valid one', () => {
    expect(() => parseFunction('name: Hello_World\nruntime: node\n')).toThrow(expect.objectContaining({suggestion: 'set "name: hello-world" in fn.yaml'}));
  });
});

describe('loadFunction', () => {
  test('what stringifyFunction writes (fn init) loads back the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fn-unit-'));
    const config: FunctionConfig = parseFunction(full);
    await writeFile(join(dir, 'fn.yaml'), stringifyFunction(config));
    expect(await loadFunction(dir)).toEqual(config);
    expect(await readFile(join(dir, 'fn.yaml'), 'utf8')).toContain('secretKeyRef:');
  });

  test('a folder without fn.yaml says how to create one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fn-unit-'));
    await expect(loadFunction(dir)).rejects.toMatchObject({code: 'NO_FUNCTION', exitCode: 8, suggestion: expect.stringContaining('fn init')});
  });

  test('errors name the real file path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fn-unit-'));
    await writeFile(join(dir, 'fn.yaml'), 'name: ok\nruntime: node\nlables: {}\n');
    await expect(loadFunction(dir)).rejects.toThrow(`${join(dir, 'fn.yaml')}:3:1: lables unknown key "lables". Did you mean "labels"?`);
  });
});

describe('parseFunction: hostile or huge files', () => {
  const labels = (count: number) => `name: a\nruntime: node\nlabels:\n${Array.from({length: count}, (_, i) => `  k${i}: v${i}\n`).join('')}`;

  test(`a file over ${MAX_FN_YAML_BYTES} bytes is refused before it is parsed, naming the file and the limit`, () => {
    const text = labels(70_000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_FN_YAML_BYTES);
    const e = fnError(() => parseFunction(text, 'dir/fn.yaml'));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code: 'FN_YAML_TOO_LARGE', exitCode: 2});
    expect(e.message).toMatch(/^dir\/fn\.yaml is \d+ bytes; fn\.yaml may be at most 1 MiB \(1048576 bytes\)/);
  });

  // The yaml library's own duplicate-key check compares each key with every earlier one: a 1 MB
  // file took ~30 s. fn's check is one Set per map.
  test('a file just under the cap parses in linear time', () => {
    let count = 0;
    for (let bytes = labels(0).length; bytes + `  k${count}: v${count}\n`.length <= MAX_FN_YAML_BYTES; count++) bytes += `  k${count}: v${count}\n`.length;
    const text = labels(count);
    expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_FN_YAML_BYTES - 40);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_FN_YAML_BYTES);
    // Linear, not quadratic: 4× the keys take well under 16× the time (a ratio in the same run, so a
    // busy machine slows both sides alike; the quadratic check took ~30 s for the whole file).
    const time = (n: number) => {
      const started = performance.now();
      expect(Object.keys(parseFunction(labels(n)).labels ?? {})).toHaveLength(n);
      return performance.now() - started;
    };
    time(Math.floor(count / 8)); // warm-up
    const quarter = Math.min(time(Math.floor(count / 4)), time(Math.floor(count / 4)));
    const whole = time(count);
    expect(whole / quarter).toBeLessThan(10);
  }, 120_000);

  test('an alias bomb is a usage error naming the file, not a crash', () => {
    const rows = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (const [prev, next] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g']]) rows.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(',')}]`);
    const e = fnError(() => parseFunction(`name: a\nruntime: node\nx:\n${rows.map((r) => `  ${r}`).join('\n')}\n`, 'dir/fn.yaml'));
    expect({code: e.code, exitCode: e.exitCode}).toEqual({code: 'INVALID_FN_YAML', exitCode: 2});
    expect(e.message).toMatch(/^dir\/fn\.yaml: .*alias/i);
  });
});
