// A CloudEvents sink for e2e tests, as a real image in the test registry (built like test-image.ts's):
// a Node HTTP server that answers every POST with 202 and keeps it (headers and body), and lists
// what it kept at GET /events. Deployed as a Knative Service it is the subscriber a Trigger or a
// source delivers to, and the test reads back what arrived through the ingress.
import {dockerTestEnv} from './docker-env.js';
import {buildTestImage} from './test-image.js';

const SINK = `
import http from 'node:http';
const events = [];
const server = http.createServer((req, res) => {
  if (req.method === 'GET') {
    res.setHeader('content-type', 'application/json');
    res.end(req.url === '/events' ? JSON.stringify(events) : '{"ok":true}');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    events.push({method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8')});
    console.log(\`\${req.method} \${req.url} ce-id=\${req.headers['ce-id'] ?? ''} ce-type=\${req.headers['ce-type'] ?? ''}\`);
    res.statusCode = 202;
    res.end();
  });
});
server.listen(Number(process.env.PORT || 8080), () => console.log('sink listening'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

export interface ReceivedEvent {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

let ref: string | undefined;

/** The sink image's digest reference (registry/fn-e2e/event-sink@sha256:…). */
export function eventSinkImage(): string {
  ref ??= buildTestImage(`${dockerTestEnv().FN_TEST_REGISTRY}/fn-e2e/event-sink:latest`, [`FROM ${dockerTestEnv().FN_TEST_BASE_NODE}`, 'COPY sink.mjs /srv/sink.mjs', 'USER 65532', 'CMD ["node", "/srv/sink.mjs"]'], {
    'sink.mjs': SINK,
  });
  return ref;
}
