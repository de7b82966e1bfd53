// The host builder's adapter parts without services: reproducible layers, the native-addon check,
// pip's platform tags for a base image's libc, and the registry client's token flow against a local
// server that answers as a registry with a Bearer token service does.
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import {createServer, type Server} from 'node:http';
import {chmod, mkdir, mkdtemp, utimes, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {gunzipSync} from 'node:zlib';
import {nativeAddons} from '../../src/adapters/oci/assemble-node.js';
import {pipPlatforms} from '../../src/adapters/oci/assemble-python.js';
import {writeLayer} from '../../src/adapters/oci/layer.js';
import {apiHost, mayUseHttp, RegistryClient} from '../../src/adapters/oci/registry.js';
import {OciStore} from '../../src/adapters/oci/store.js';

const amd64 = {os: 'linux', architecture: 'amd64'};
const arm64 = {os: 'linux', architecture: 'arm64'};

describe('writeLayer', () => {
  test('same files → same digest, whatever the order, mtimes and umask; parents listed, modes 644/755', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fn-layer-'));
    await writeFile(join(dir, 'a.js'), 'a');
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n');
    await chmod(join(dir, 'run.sh'), 0o700);
    const store = new OciStore(await mkdtemp(join(tmpdir(), 'fn-store-')));
    const entries = [
      {path: 'function/sub/run.sh', type: 'file' as const, source: join(dir, 'run.sh')},
      {path: 'function/a.js', type: 'file' as const, source: join(dir, 'a.js')},
      {path: 'function/link', type: 'symlink' as const, target: 'a.js'},
    ];
    const one = await writeLayer(store, entries);
    await utimes(join(dir, 'a.js'), new Date(2020, 1, 1), new Date(2020, 1, 1));
    await chmod(join(dir, 'a.js'), 0o600);
    const two = await writeLayer(store, [...entries].reverse());
    expect(two).toEqual(one);
    const tar = gunzipSync(await store.readBlob(one.digest));
    const names: string[] = [];
    for (let at = 0; at + 512 <= tar.length; ) {
      const name = tar.subarray(at, at + 100).toString().replace(/\0.*$/s, '');
      if (!name) break;
      const mode = tar.subarray(at + 100, at + 108).toString().replace(/\0.*$/s, '').trim();
      const mtime = parseInt(tar.subarray(at + 136, at + 148).toString().replace(/\0.*$/s, '').trim(), 8);
      names.push(`${name} ${mode.slice(-3)} ${mtime}`);
      const size = parseInt(tar.subarray(at + 124, at + 136).toString().replace(/\0.*$/s, '').trim() || '0', 8);
      at += 512 + Math.ceil(size / 512) * 512;
    }
    expect(names).toEqual(['function/ 755 0', 'function/a.js 644 0', 'function/link 777 0', 'function/sub/ 755 0', 'function/sub/run.sh 755 0']);
  });
});

describe('nativeAddons', () => {
  async function modules(packages: Record<string, {pkg?: object; files: string[]}>): Promise<string> {
    const root = join(await mkdtemp(join(tmpdir(), 'fn-modules-')), 'node_modules');
    for (const [name, {pkg, files}] of Object.entries(packages)) {
      await mkdir(join(root, name), {recursive: true});
      await writeFile(join(root, name, 'package.json'), JSON.stringify({name, ...pkg}));
      for (const file of files) {
        await mkdir(join(root, name, file, '..'), {recursive: true});
        await writeFile(join(root, name, file), '');
      }
    }
    return root;
  }

  test('JavaScript, prebuilt addons for the target and platform packages for it pass', async () => {
    const root = await modules({
      plain: {files: ['index.js']},
      prebuilt: {files: ['binding.gyp', 'prebuilds/linux-x64/node.napi.node', 'prebuilds/darwin-arm64/node.napi.node']},
      '@esbuild/linux-x64': {pkg: {os: ['linux'], cpu: ['x64']}, files: ['bin/esbuild', 'lib/addon.node']},
    });
    expect(await nativeAddons(root, amd64)).toEqual([]);
  });

  test('compiled at install time, prebuilt for others only, or a stray .node: each named with why', async () => {
    const root = await modules({
      gyp: {files: ['binding.gyp', 'src/a.cc']},
      prebuilt: {files: ['binding.gyp', 'prebuilds/linux-x64/node.napi.node']},
      stray: {files: ['build/Release/stray.node']},
      '@scope/linux-x64-only': {pkg: {os: ['linux'], cpu: ['x64']}, files: ['x.node']},
    });
    expect(await nativeAddons(root, arm64)).toEqual([
      {name: '@scope/linux-x64-only', path: 'node_modules/@scope/linux-x64-only', why: 'it is built for linux x64 only'},
      {name: 'gyp', path: 'node_modules/gyp', why: 'its native addon is compiled at install time (binding.gyp), for the machine that installs it'},
      {name: 'prebuilt', path: 'node_modules/prebuilt', why: 'its native addon is compiled at install time (binding.gyp), for the machine that installs it'},
      {name: 'stray', path: 'node_modules/stray', why: 'it ships a compiled addon (build/Release/stray.node) that is not for linux-arm64'},
    ]);
  });
});

test('pip platforms: every manylinux glibc the base runs, down to 2.17; musl; none known: linux only', () => {
  const glibc = pipPlatforms({python: '/usr/bin/python3.11', version: '3.11', libc: {kind: 'glibc', major: 2, minor: 36}}, 'amd64');
  expect(glibc[0]).toBe('manylinux_2_36_x86_64');
  expect(glibc).toEqual(expect.arrayContaining(['manylinux_2_17_x86_64', 'manylinux2014_x86_64', 'manylinux1_x86_64']));
  expect(glibc).not.toContain('manylinux_2_37_x86_64');
  expect(pipPlatforms({python: '/usr/bin/python3.12', version: '3.12', libc: {kind: 'glibc', major: 2, minor: 28}}, 'arm64')).toContain('manylinux_2_28_aarch64');
  expect(pipPlatforms({python: '/usr/bin/python3.12', version: '3.12', libc: {kind: 'musl', major: 1, minor: 2}}, 'arm64')).toEqual(['musllinux_1_2_aarch64', 'musllinux_1_1_aarch64', 'musllinux_1_0_aarch64']);
  expect(pipPlatforms({python: '/usr/bin/python3.12', version: '3.12'}, 'amd64')).toEqual(['linux_x86_64']);
});

describe('RegistryClient against a registry with a Bearer token service', () => {
  let server: Server;
  let registry: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url!, 'http://x');
      seen.push(`${req.method} ${url.pathname}${url.search} ${req.headers.authorization ?? '-'}`);
      if (url.pathname === '/token') {
        const basic = `Basic ${Buffer.from('ada:s3cret').toString('base64')}`;
        if (req.headers.authorization !== basic) return res.writeHead(401).end();
        return res.writeHead(200, {'content-type': 'application/json'}).end(JSON.stringify({token: `tok-${url.searchParams.getAll('scope').join('+')}`}));
      }
      const challenge = `Bearer realm="http://${req.headers.host}/token",service="fake"`;
      if (url.pathname === '/v2/') return res.writeHead(401, {'www-authenticate': challenge}).end();
      if (!req.headers.authorization?.startsWith('Bearer tok-')) return res.writeHead(401, {'www-authenticate': `${challenge},scope="repository:team/app:pull"`}).end();
      if (req.method === 'HEAD' && url.pathname === '/v2/team/app/blobs/sha256:aaa') return res.writeHead(200).end();
      if (req.method === 'POST' && url.searchParams.get('mount')) return res.writeHead(201).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    registry = `127.0.0.1:${(server.address() as {port: number}).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('gets a token for each scope with the user\'s credentials (over http: a loopback registry without TLS), and uses it', async () => {
    const client = new RegistryClient(registry, `${registry}/team/app`, async () => ({serveraddress: registry, username: 'ada', password: 's3cret'}));
    expect(await client.hasBlob('team/app', 'sha256:aaa')).toBe(true);
    expect(await client.hasBlob('team/app', 'sha256:bbb')).toBe(false);
    expect(await client.mount('team/app', 'sha256:ccc', 'base/node')).toBe(true);
    const tokens = seen.filter((s) => s.startsWith('GET /token'));
    expect(tokens.map((t) => decodeURIComponent(t.split(' ')[1]))).toEqual([
      '/token?service=fake&scope=repository:team/app:pull',
      '/token?service=fake&scope=repository:team/app:pull,push&scope=repository:base/node:pull',
    ]);
    expect(seen).toContain('POST /v2/team/app/blobs/uploads/?mount=sha256%3Accc&from=base%2Fnode Bearer tok-repository:team/app:pull,push+repository:base/node:pull');
  });

  test('refused credentials: REGISTRY_AUTH_FAILED naming the user, never the password', async () => {
    const client = new RegistryClient(registry, `${registry}/team/app`, async () => ({serveraddress: registry, username: 'ada', password: 'wrong'}));
    const error = await client.hasBlob('team/app', 'sha256:aaa').catch((e) => e);
    expect(error).toMatchObject({code: 'REGISTRY_AUTH_FAILED', exitCode: 6});
    expect(error.message).toContain(`registry ${registry} refused the credentials for user "ada"`);
    expect(JSON.stringify(error)).not.toContain('wrong');
  });
});

test('Docker Hub\'s API host; plain http only for loopback registries or those named in FN_INSECURE_REGISTRIES', () => {
  expect(apiHost('docker.io')).toBe('registry-1.docker.io');
  expect(apiHost('ghcr.io')).toBe('ghcr.io');
  expect(mayUseHttp('127.0.0.1:5000', {})).toBe(true);
  expect(mayUseHttp('localhost:5000', {})).toBe(true);
  expect(mayUseHttp('registry.internal:5000', {})).toBe(false);
  expect(mayUseHttp('registry.internal:5000', {FN_INSECURE_REGISTRIES: 'a.example, registry.internal:5000'})).toBe(true);
});
