/**
 * The local Knative's data plane (started by test/cluster/up.sh; see test/cluster/README.md):
 *  - node.ts + logs.ts: a Docker-backed node (kubelet and pod binding) with its log endpoint,
 *  - ingress.ts: an HTTP ingress that follows KIngress objects,
 *  - stubs.ts: the autoscaler stand-in, the one part that is still a stub.
 * Environment: FN_TESTENV_API, FN_TESTENV_PKI (admin client cert, CA, kubelet serving cert),
 * FN_TESTENV_KUBELET_PORT, FN_TESTENV_INGRESS (IP:PORT), DOCKER_HOST.
 */
import {startIngress} from './ingress.js';
import {log} from './kube.js';
import {startLogServer} from './logs.js';
import {startNode} from './node.js';
import {startAutoscalerStub} from './stubs.js';

const kubeletPort = Number(process.env.FN_TESTENV_KUBELET_PORT ?? 10250);
const [ingressIp, ingressPort] = (process.env.FN_TESTENV_INGRESS ?? '127.77.0.1:80').split(':');

process.on('SIGTERM', () => {
  log('data-plane', 'stopping');
  process.exit(0);
});
process.on('SIGINT', () => process.exit(0));
process.on('unhandledRejection', (e: any) => log('data-plane', `unhandled: ${e?.stack ?? e}`));

await startLogServer(kubeletPort);
await startIngress(ingressIp, Number(ingressPort));
startAutoscalerStub();
await startNode(kubeletPort);
