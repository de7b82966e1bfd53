// A TCP proxy in front of the Kubernetes API server, for benchmarks: a copy of the kubeconfig points
// at it, and it notes when each connection arrives, so a benchmark that spawns a CLI can tell how long
// after launch the CLI's first API request left. The same for every client (fn, kn, kubectl): it
// only sees TCP, not TLS.
import {readFileSync, writeFileSync} from 'node:fs';
import net from 'node:net';
import {performance} from 'node:perf_hooks';
import {parse, stringify} from 'yaml';

/** Starts the proxy for the cluster of `kubeconfig`'s current context; `proxy.kubeconfig` is the copy to use. */
export async function apiProxy(kubeconfig, copyPath) {
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  const contextName = config['current-context'];
  const context = config.contexts.find((c) => c.name === contextName)?.context;
  const cluster = config.clusters.find((c) => c.name === context.cluster).cluster;
  const target = new URL(cluster.server);
  const arrivals = [];
  const server = net.createServer((client) => {
    arrivals.push(performance.now());
    const upstream = net.connect(Number(target.port || 443), target.hostname);
    client.pipe(upstream).pipe(client);
    const close = () => (client.destroy(), upstream.destroy());
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  });
  await new Promise((resolve) => server.listen(0, target.hostname, resolve));
  cluster.server = `${target.protocol}//${target.hostname}:${server.address().port}`;
  writeFileSync(copyPath, stringify(config));
  return {
    kubeconfig: copyPath,
    /** Milliseconds from `since` (performance.now()) to the first connection after it, or undefined. */
    firstAfter: (since) => {
      const at = arrivals.find((t) => t >= since);
      return at === undefined ? undefined : at - since;
    },
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}
