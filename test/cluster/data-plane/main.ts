/**
 * The local Knative's data plane (started by test/cluster/up.sh; see test/cluster/README.md):
 *  - node.ts + logs.ts: a Docker-backed node (kubelet and pod binding) with its log endpoint,
 *  - host.ts: pods whose image is fn-testenv.host/… run a binary up.sh built (Eventing's data plane),
 *  - ingress.ts: an HTTP ingress that follows KIngress objects (and routes to Services),
 *  - services.ts: Endpoints for Services with a selector, and their routing,
 *  - stubs.ts: the autoscaler stand-in, the one part that is still a stub.
 * Environment: FN_TESTENV_API, FN_TESTENV_PKI (admin client cert, CA, kubelet serving cert),
 * FN_TESTENV_KUBELET_PORT, FN_TESTENV_INGRESS (IP:PORT), FN_TESTENV_DIR (the instance: container labels,
 * pod logs), FN_TESTENV_HOST_IMAGES (host.ts), DOCKER_HOST.
 */
import {startIngress} from './ingress.js';
import {log} from './kube.js';
import {startLogServer} from './logs.js';
import {startNode} from './node.js';
import {startServices} from './services.js';
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
startServices();
await startNode(kubeletPort);
