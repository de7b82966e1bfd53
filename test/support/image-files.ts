// What a built image holds under /function (the node test image has a shell and find).
import {testDocker} from './docker-env.js';

/** Every path under /function, node_modules folders not descended into. */
export async function filesIn(image: string): Promise<string[]> {
  const docker = testDocker();
  const container = await docker.createContainer({Image: image, Entrypoint: ['find', '/function', '-path', '/function/node_modules', '-prune', '-o', '-path', '/function/.fn-invoker/node_modules', '-prune', '-o', '-print'], Cmd: [], Labels: {'dev.fn.test': 'true'}, HostConfig: {NetworkMode: 'none'}});
  try {
    await container.start();
    await container.wait();
    const raw = String(await container.logs({stdout: true, stderr: true}));
    // Strip the 8-byte multiplexing headers.
    return raw.replace(/[\x00-\x08]/g, '').split('\n').map((l) => l.trim().replace(/^[^/]*/, '')).filter(Boolean);
  } finally {
    await container.remove({force: true});
  }
}
