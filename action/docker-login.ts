// fn's GitHub Action (bundled by scripts/bundle.mjs into dist/action-login.cjs): logs in to the registry fn pushes to, as `docker login` would, into a new Docker
// config folder ($FN_LOGIN_DOCKER_CONFIG) that the action then hands fn as DOCKER_CONFIG: the config.json
// fn already reads (credHelpers, credsStore, auths) is copied, and this registry's entry set in auths.
// Which registry: registry-server, else the host of image, else where fn build would push (fn's own rule,
// resolveImage: fn.yaml image, else the registry input or FN_REGISTRY, else fn.yaml registry). The secret goes only into
// the file (mode 600) and is masked in the log.
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {dockerConfigPath, readDockerConfig, registryHost, serverAddress} from '../src/adapters/docker/credentials.js';
import {FnError} from '../src/core/errors.js';
import {loadFunction} from '../src/core/function.js';
import {parseImageRef, resolveImage, validateRegistry} from '../src/core/image-ref.js';

const input = (name: string) => process.env[`INPUT_${name}`]?.trim() || undefined;

async function pushRegistry() {
  const server = input('REGISTRY_SERVER');
  if (server) {
    const host = parseImageRef(`${validateRegistry(server, 'registry-server')}/x`, 'registry-server').registry;
    if (host !== server.replace(/\/+$/, '')) {
      throw new FnError('INVALID_REGISTRY', 'usage', `registry-server "${server}" is not a registry host`, {suggestion: 'use HOST[:PORT], e.g. ghcr.io'});
    }
    return host;
  }
  const image = input('IMAGE');
  if (image) return parseImageRef(image, 'image').registry;
  const config = await loadFunction(resolve(input('PATH') ?? '.'));
  // As fn build gets it: the registry input as --registry, else FN_REGISTRY (--registry's variable).
  return resolveImage(config, {registry: input('REGISTRY') ?? (process.env.FN_REGISTRY || undefined)}).ref.registry;
}

async function main() {
  const out = process.env.FN_LOGIN_DOCKER_CONFIG;
  if (!out) throw new Error('FN_LOGIN_DOCKER_CONFIG is not set');
  const host = await pushRegistry();
  const auth = Buffer.from(`${input('REGISTRY_USERNAME')}:${process.env.INPUT_REGISTRY_PASSWORD}`).toString('base64');
  process.stdout.write(`::add-mask::${auth}\n`);
  const config = await readDockerConfig(dockerConfigPath(process.env));
  // This registry's credentials are the ones given: other entries for the same host (another spelling
  // in auths, a credential helper) would be found first or instead.
  const auths = Object.fromEntries(Object.entries(config.auths ?? {}).filter(([key]) => registryHost(key) !== host));
  auths[serverAddress(host)] = {auth};
  const credHelpers = Object.fromEntries(Object.entries(config.credHelpers ?? {}).filter(([key]) => registryHost(key) !== host));
  mkdirSync(out, {recursive: true, mode: 0o700});
  const file = join(out, 'config.json');
  writeFileSync(file, `${JSON.stringify({...config, auths, ...(config.credHelpers ? {credHelpers} : {})}, null, 2)}\n`, {mode: 0o600});
  chmodSync(file, 0o600);
  process.stdout.write(`Logged in to ${host} (a config.json for fn in the runner's temp folder)\n`);
}

main().catch((e: any) => {
  if (e instanceof FnError) {
    process.stdout.write(`::error title=fn action::${e.message}${e.suggestion ? `. Try: ${e.suggestion}` : ''}\n`);
    process.exit(e.exitCode);
  }
  process.stderr.write(`${e?.stack ?? e}\n`);
  process.exit(1);
});
