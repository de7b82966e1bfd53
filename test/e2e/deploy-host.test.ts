// fn deploy in a pipeline without a Docker engine: DOCKER_HOST points nowhere, so fn builds each
// function on the host, pushes it straight to the test registry, and the local Knative (pods run by
// the Docker-backed node from that registry) serves the revision, which answers at its URL.
import {afterAll, beforeAll, describe, expect, test} from '@jest/globals';
import {mkdtemp, readFile, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';
import {clusterFnEnv, initFunction} from '../support/function-project.js';
import {DOMAIN, TestCluster} from '../support/knative-env.js';

const TIMEOUT = 900_000;
const cluster = new TestCluster();
let ns: string;
let cache: string;

beforeAll(async () => {
  ns = await cluster.namespace('fn-host');
  cache = await mkdtemp(join(tmpdir(), 'fn-host-cache-'));
});
afterAll(async () => {
  await cluster.cleanup();
  await rm(cache, {recursive: true, force: true});
});

describe.each(['node', 'python', 'go'])('%s', (runtime) => {
  test('fn deploy with no engine: built on the host, the revision runs that digest and answers at its URL', async () => {
    const name = `host-${runtime}`;
    const dir = await initFunction(name, runtime);
    const env = clusterFnEnv({DOCKER_HOST: 'unix:///nonexistent/docker.sock', FN_CACHE_DIR: cache});
    const deployed = await runFn(['deploy', '--path', dir, '-n', ns], {env});
    expect({exit: deployed.exitCode, stderr: deployed.stderr}).toMatchObject({exit: 0});
    expect(deployed.stderr).toContain('no Docker engine answered at unix:///nonexistent/docker.sock (DOCKER_HOST): no such socket: building on this host instead');
    expect(deployed.stdout).toContain(`URL:     http://${name}.${ns}.${DOMAIN}`);

    const record = JSON.parse(await readFile(join(dir, '.fn', 'build.json'), 'utf8'));
    expect(record).toMatchObject({builder: 'host', reference: expect.stringMatching(/@sha256:[0-9a-f]{64}$/)});
    const service = await cluster.get('services', ns, name);
    expect(service?.spec.template.spec.containers[0].image).toBe(record.reference);

    const r = await runFn(['invoke', '--target', 'remote', '--name', name, '-n', ns, '--data', '{"name":"Ada"}'], {env, cwd: dir});
    expect([r.exitCode, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout)).toEqual({message: 'Hello Ada'});

    // Unchanged: nothing built, no new revision.
    const again = await runFnJson(['deploy', '--path', dir, '-n', ns], {env});
    expectExit(again, 0);
    expect(again.json).toMatchObject({image: record.reference, newRevision: false});
  }, TIMEOUT);
});
