// `fn run --container`: builds (or reuses) the image and runs it through the engine on the host
// network; Ctrl-C stops and removes the container. Needs `npm run build` and the Docker test env.
import {expect, jest, test} from '@jest/globals';
import {execa} from 'execa';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fnBin, runFn} from '../support/cli.js';
import {fnEnv, freePort, testDocker, testImages} from '../support/docker-env.js';

jest.setTimeout(300_000);

test('fn run --container serves the function until interrupted, then removes the container', async () => {
  const dir = join(await mkdtemp(join(tmpdir(), 'fn-runc-')), 'runc-node');
  expect((await runFn(['init', dir, '--runtime', 'node'])).exitCode).toBe(0);
  const images = testImages('node');
  await writeFile(join(dir, 'fn.yaml'), `name: runc-node\nruntime: node\ntemplate: http\nbuild:\n  baseImage: ${images.base}\n  builderImage: ${images.builder}\n`);
  const port = await freePort();
  const child = execa('node', [fnBin, 'run', '--container', '--path', dir, '--port', String(port), '--env', 'GREETING=hi'], {
    env: {CI: 'true', ...fnEnv()},
    reject: false,
    all: true,
  });
  let output = '';
  child.all?.on('data', (d) => (output += d));
  try {
    const deadline = Date.now() + 240_000;
    while (!output.includes(`is running at http://127.0.0.1:${port}`)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`fn run --container did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const res = await fetch(`http://127.0.0.1:${port}/?name=Ada`);
    expect(await res.json()).toMatchObject({message: 'Hello Ada'});
    const running = await testDocker().listContainers({filters: {label: ['dev.fn.function=runc-node']}});
    expect(running).toHaveLength(1);
    expect(running[0].HostConfig.NetworkMode).toBe('host');
  } finally {
    child.kill('SIGINT');
  }
  const result = await child;
  expect({exit: result.exitCode, output}).toMatchObject({exit: 0});
  const left = await testDocker().listContainers({all: true, filters: {label: ['dev.fn.function=runc-node']}});
  expect(left).toHaveLength(0);
});
