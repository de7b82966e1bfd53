// Small real images for e2e tests, pushed to the test registry: a Node HTTP server that answers
// every path with JSON naming its seed and the revision it runs as (K_REVISION), so tests can tell
// revisions apart by their answers. Each seed is a distinct image (its own digest). Built with the
// Docker CLI synchronously, so that `digest('a1')` can stand where a literal stood; the engine's
// cache makes a rebuild of the same seed take about a second.
import {execFileSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {dockerTestEnv} from './docker-env.js';

/**
 * What the image does besides answering 200: exit at start with a code after printing a line, listen
 * on a fixed port instead of PORT, or answer every request but the health checks with a status.
 */
export type ImageBehaviour = {exitCode: number; message: string} | {listenOn: number} | {status: number} | undefined;

const SERVER = `
import http from 'node:http';
const seed = process.env.FN_TEST_SEED;
const exit = process.env.FN_TEST_EXIT;
if (exit !== undefined) {
  console.error(process.env.FN_TEST_EXIT_MESSAGE);
  process.exit(Number(exit));
}
const status = Number(process.env.FN_TEST_STATUS || 200);
const server = http.createServer((req, res) => {
  console.log(\`\${req.method} \${req.url} seed=\${seed}\`);
  res.statusCode = req.url.startsWith('/health/') ? 200 : status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({seed, revision: process.env.K_REVISION ?? null, path: req.url}));
});
const port = Number(process.env.FN_TEST_LISTEN_ON || process.env.PORT || 8080);
server.listen(port, () => console.log(\`listening on \${port}\`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

const built = new Map<string, string>();

/** The digest reference (registry/fn-e2e/hello@sha256:…) of the image for `seed`. */
export function digest(seed: string, behaviour?: ImageBehaviour): string {
  const key = `${seed}:${JSON.stringify(behaviour ?? null)}`;
  const have = built.get(key);
  if (have) return have;
  const env = dockerTestEnv();
  const lines = [`FROM ${env.FN_TEST_BASE_NODE}`, `ENV FN_TEST_SEED=${seed}`];
  if (behaviour && 'exitCode' in behaviour) lines.push(`ENV FN_TEST_EXIT=${behaviour.exitCode} FN_TEST_EXIT_MESSAGE=${JSON.stringify(behaviour.message)}`);
  if (behaviour && 'listenOn' in behaviour) lines.push(`ENV FN_TEST_LISTEN_ON=${behaviour.listenOn}`);
  if (behaviour && 'status' in behaviour) lines.push(`ENV FN_TEST_STATUS=${behaviour.status}`);
  lines.push('COPY server.mjs /srv/server.mjs', 'USER 65532', 'CMD ["node", "/srv/server.mjs"]');
  const tag = `${env.FN_TEST_REGISTRY}/fn-e2e/hello:${seed}${behaviour ? `-${Buffer.from(JSON.stringify(behaviour)).toString('hex').slice(0, 12)}` : ''}`;
  const ref = buildTestImage(tag, lines, {'server.mjs': SERVER});
  built.set(key, ref);
  return ref;
}

/**
 * Builds `dockerfile` (its lines) with `files` as the context, pushes it as `tag` to the test
 * registry and returns its digest reference (registry/repo@sha256:…).
 */
export function buildTestImage(tag: string, dockerfile: string[], files: Record<string, string>): string {
  const env = dockerTestEnv();
  const dir = mkdtempSync(join(tmpdir(), 'fn-test-image-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  writeFileSync(join(dir, 'Dockerfile'), `${dockerfile.join('\n')}\n`);
  const dockerEnv = {...process.env, DOCKER_HOST: env.DOCKER_HOST};
  const run = (args: string[]) => execFileSync('docker', args, {env: dockerEnv, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8'});
  run(['build', '-q', '--network', env.FN_TEST_NETWORK || 'host', '-t', tag, dir]);
  run(['push', '-q', tag]);
  const repoDigests: string[] = JSON.parse(run(['image', 'inspect', '--format', '{{json .RepoDigests}}', tag]));
  const repo = tag.slice(0, tag.lastIndexOf(':'));
  const ref = repoDigests.find((d) => d.startsWith(`${repo}@`));
  if (!ref) throw new Error(`pushed ${tag} but found no digest for it: ${repoDigests.join(', ')}`);
  return ref;
}

/** A digest reference the test registry does not have. */
export function missingImage(): string {
  return `${dockerTestEnv().FN_TEST_REGISTRY}/fn-e2e/missing@sha256:${'0'.repeat(64)}`;
}
