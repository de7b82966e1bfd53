// dockerode and tar-fs, loaded when first needed. In the bundle fn runs, scripts/bundle.mjs replaces
// this module with one that takes both from dist/docker.cjs (one file, compiled from the V8 code cache
// as the main bundle is, with the same two modules left out): loading them from node_modules resolved
// and compiled ~80 files on every fn build.
import {createRequire, Module} from 'node:module';
import {dirname} from 'node:path';
import type Docker from 'dockerode';
import type TarFs from 'tar-fs';

const require = createRequire(import.meta.url);

function stubModule(file: string, why: string): void {
  if (require.cache[file]) return;
  const stub = new Module(file);
  stub.filename = file;
  stub.loaded = true;
  stub.exports = () => {
    throw new Error(why);
  };
  require.cache[file] = stub;
}

/**
 * dockerode loads gRPC and protobuf (about 400 modules, a third of `fn build`'s start-up) at its top
 * for BuildKit sessions, which fn never opens (it builds through the classic /build API), and ssh2 for
 * ssh:// engines. Those modules are replaced by stubs before dockerode loads (ssh2 only when
 * DOCKER_HOST is not ssh://); if the layout ever changes, dockerode simply loads whole.
 */
export function loadDockerode(): typeof Docker {
  try {
    const dockerode = require.resolve('dockerode');
    stubModule(require.resolve('./session.js', {paths: [dirname(dockerode)]}), 'fn does not open BuildKit sessions');
    if (!process.env.DOCKER_HOST?.startsWith('ssh://')) {
      const modem = require.resolve('docker-modem', {paths: [dirname(dockerode)]});
      stubModule(require.resolve('./ssh.js', {paths: [dirname(modem)]}), 'DOCKER_HOST is not ssh://');
    }
  } catch {
    // not where we expect them: load dockerode as it is
  }
  return require('dockerode');
}

export function loadTarFs(): typeof TarFs {
  return require('tar-fs');
}
