import {Flags} from '@oclif/core';
import {readFile} from 'node:fs/promises';
import {FnError, functionNotFound} from '../core/errors.js';
import {invoke, type InvokeResult} from '../core/invoke.js';
import {remoteUrl} from '../core/remote-url.js';
import {validateBrokerName} from '../core/event-checks.js';
import {clusterFlags, connectToFunction, optionalFunction} from '../ui/cluster-flags.js';
import {FnCommand} from '../ui/base-command.js';
import {withEnv} from '../ui/flags.js';

/** --type, --source and --id describe the CloudEvent that --cloudevent and --broker send. */
const eventFlag = [{type: 'some' as const, flags: ['cloudevent', 'broker']}];

export default class Invoke extends FnCommand {
  static summary = 'Send a request (or a CloudEvent) to a function and print the answer.';
  static description = `Targets the locally running function (fn run) unless --target names a URL, or is "remote": the deployed function's URL (--tag: that tag's URL; the function is --name or fn.yaml's in the current folder). Exits non-zero when the function answers with an HTTP error status.
--broker NAME sends the CloudEvent (binary mode) to that Knative broker instead, at its status.address.url, in the namespace of -n, else fn.yaml's in the current folder, else the kubeconfig context's; every Trigger on the broker whose filters match delivers it. A broker's address is cluster-local (broker-ingress.knative-eventing.svc.cluster.local): when its host does not resolve, pass --ingress HOST[:PORT] (or FN_INGRESS) of an HTTP proxy or port-forward into the cluster; the request is then sent there in absolute form (POST http://broker-ingress…/NS/NAME), --verbose says so. Prints the broker's answer (202 Accepted) and the event's id; --json: {broker: {name, namespace, url}, via: {host, port, source} (when sent through the ingress), url, status, statusText, headers, body, sent: {id, type, source, datacontenttype}}.
Exit codes: 1 the function or broker answered with an HTTP error, 2 bad flag (a --broker that is no broker name: before any cluster is contacted), 7 cluster unreachable, 8 no such broker (with how to create one) or nothing answers, 11 the broker has no address yet, 14 the broker's host does not resolve and no --ingress / FN_INGRESS is set.`;
  static examples = [
    '<%= config.bin %> invoke --data \'{"name":"Ada"}\'',
    '<%= config.bin %> invoke --cloudevent --type com.example.ping --source cli --data \'{"n":1}\'',
    '<%= config.bin %> invoke --target https://hello.default.example.com --file payload.json',
    '<%= config.bin %> invoke --target remote --tag v2 -n staging',
    '<%= config.bin %> invoke --broker default --type com.example.order --source /shop --data \'{"id":1}\' --ingress 127.0.0.1:8080',
  ];

  static flags = withEnv({
    target: Flags.string({description: 'URL to invoke, or "remote" for the deployed function', default: 'http://127.0.0.1:8080'}),
    tag: Flags.string({description: 'with --target remote: invoke this tag\'s URL'}),
    name: Flags.string({description: 'with --target remote: function name (default: fn.yaml\'s)'}),
    broker: Flags.string({
      description: 'send the CloudEvent to this Knative broker (its status.address.url) instead of a function',
      exclusive: ['target', 'tag', 'name', 'method', 'path'],
      parse: async (value) => validateBrokerName(value, '--broker'),
    }),
    ingress: Flags.string({description: 'with --target remote or --broker: send to the cluster\'s ingress (or a proxy into it) at HOST[:PORT] with the function\'s or broker\'s Host header (default: FN_INGRESS, else DNS, else, for a function, the ingress the cluster publishes)'}),
    ...clusterFlags,
    data: Flags.string({char: 'd', description: 'request body', exclusive: ['file']}),
    file: Flags.string({char: 'f', description: 'read the request body from a file', exclusive: ['data']}),
    'content-type': Flags.string({description: 'content type of the body (default application/json)'}),
    method: Flags.string({char: 'X', description: 'HTTP method (default GET without a body, POST with one)'}),
    path: Flags.string({description: 'path appended to the target URL', default: '/'}),
    cloudevent: Flags.boolean({description: 'send a CloudEvent (binary mode); implied by --broker'}),
    type: Flags.string({description: 'CloudEvent type [default: fn.invoke]', relationships: eventFlag}),
    source: Flags.string({description: 'CloudEvent source [default: fn/cli]', relationships: eventFlag}),
    id: Flags.string({description: 'CloudEvent id (default: a random UUID)', relationships: eventFlag}),
  });

  async run() {
    const {flags} = await this.parse(Invoke);
    const data = flags.file ? await readBody(flags.file) : flags.data;
    if (flags.broker) return this.toBroker(flags.broker, data, flags);
    const remote = flags.target === 'remote' ? await deployedEndpoint(flags) : undefined;
    const target = remote?.endpoint.url ?? flags.target;
    const url = new URL(flags.path, target).toString();
    const via = remote?.endpoint.via;
    if (remote) this.progress.detail(`invoking ${remote.describe(url)}`);
    const result = await invoke({
      url,
      data,
      contentType: flags['content-type'],
      method: flags.method,
      ...(via ? {send: (u, init) => remote!.requestVia(u, via, init), describeTarget: remote!.describe(url)} : {}),
      // Defaults are applied here: oclif's dependsOn counts a flag default as "given".
      cloudevent: flags.cloudevent ? {type: flags.type ?? 'fn.invoke', source: flags.source ?? 'fn/cli', id: flags.id} : undefined,
    }).catch((e) => {
      // A deployed URL that does not answer is an ingress/DNS matter, not `fn run`.
      if (flags.target === 'remote' && e?.code === 'INVOKE_UNREACHABLE') {
        const suggestion = via
          ? `the ingress (${via.source}) must answer for this host: check that it runs, or pass the right address with --ingress HOST[:PORT] / FN_INGRESS`
          : 'the cluster\'s ingress must answer for this host: check DNS for the Knative domain (kubectl get ksvc shows the URL), or pass the ingress address with --ingress HOST[:PORT] / FN_INGRESS';
        throw new FnError(e.code, 'notFound', e.message, {cause: e, suggestion});
      }
      throw e;
    });
    if (!this.jsonEnabled()) {
      if (result.cloudevent) this.log(JSON.stringify(result.cloudevent, null, 2));
      else this.log(result.body);
    }
    if (result.status >= 400) throw httpError('the function', result, 'see the function\'s log for the error');
    return result;
  }

  /** --broker: one CloudEvent to the broker's address, through --ingress / FN_INGRESS when it is cluster-local. */
  private async toBroker(
    name: string,
    data: string | Buffer | undefined,
    flags: {namespace?: string; context?: string; ingress?: string; type?: string; source?: string; id?: string; 'content-type'?: string},
  ) {
    const [{knative, eventing, ingressTransport}, {explicitIngress, describeEndpoint}, {brokerEndpoint}] = await Promise.all([
      import('../factory.js'),
      import('../core/ingress-address.js'),
      import('../core/invoke.js'),
    ]);
    const own = flags.namespace ? undefined : await optionalFunction('.');
    const selection = {context: flags.context};
    const namespace = flags.namespace ?? own?.namespace ?? (await knative(selection)).defaultNamespace;
    const [events, transport] = await Promise.all([eventing(selection), ingressTransport()]);
    const endpoint = await brokerEndpoint(events, {name, namespace}, {explicit: explicitIngress(flags.ingress), resolves: transport.hostResolves});
    const where = describeEndpoint(endpoint);
    const via = endpoint.via;
    this.progress.detail(via ? `broker ${name}: ${new URL(endpoint.url).hostname} is sent to through the ingress: ${where}, request line in absolute form (as to an HTTP proxy)` : `broker ${name}: sending to ${where}`);
    const result = await invoke({
      url: endpoint.url,
      data,
      contentType: flags['content-type'],
      method: 'POST',
      cloudevent: {type: flags.type ?? 'fn.invoke', source: flags.source ?? 'fn/cli', id: flags.id},
      describeTarget: `broker "${name}" at ${where}`,
      ...(via ? {send: (u: string, init: Parameters<typeof transport.requestVia>[2]) => transport.requestVia(u, via, {...init, absoluteForm: true})} : {}),
    }).catch((e) => {
      if (e?.code !== 'INVOKE_UNREACHABLE') throw e;
      const suggestion = via
        ? `the address of ${via.source} (${via.host}:${via.port}) must answer and forward to ${new URL(endpoint.url).host}: check the proxy or port-forward`
        : `${new URL(endpoint.url).host} must accept connections from here, or pass --ingress HOST[:PORT] / FN_INGRESS of a proxy or port-forward into the cluster`;
      throw new FnError(e.code, 'notFound', e.message, {cause: e, suggestion});
    });
    const answer = `${result.status}${result.statusText ? ` ${result.statusText}` : ''}`;
    if (result.status < 200 || result.status >= 300) {
      throw httpError(`broker "${name}"`, result, via ? `the address of ${via.source} must route ${new URL(endpoint.url).host} (an HTTP proxy into the cluster, or a port-forward to the broker ingress)` : `kubectl describe broker ${name} -n ${namespace}`);
    }
    if (!this.jsonEnabled()) {
      this.log(`${answer}: broker ${name} in namespace ${namespace} took event ${result.sent!.id} (type ${result.sent!.type}, source ${result.sent!.source})`);
      if (result.body) this.log(result.body);
    }
    return {broker: endpoint.broker, ...(via ? {via} : {}), ...result};
  }
}

/** The one error for an HTTP error answer, from a function or a broker. */
function httpError(who: string, result: InvokeResult, suggestion: string): FnError {
  return new FnError('INVOKE_HTTP_ERROR', 'unexpected', `${who} answered ${result.status}${result.statusText ? ` ${result.statusText}` : ''}`, {
    suggestion,
    details: {status: result.status, body: result.body},
  });
}

async function readBody(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch {
    throw new FnError('FILE_NOT_FOUND', 'usage', `--file ${file} cannot be read`, {suggestion: 'check the path'});
  }
}

/**
 * --target remote: the deployed function's URL (or its tag's), read from the cluster, and how to reach
 * it when its host does not resolve (core/ingress-address.ts).
 */
async function deployedEndpoint(flags: {name?: string; tag?: string; namespace?: string; context?: string; ingress?: string}) {
  const {knative, ref} = await connectToFunction({path: '.', namespace: flags.namespace, context: flags.context}, flags.name);
  const fn = await knative.get(ref);
  if (!fn) throw functionNotFound(ref);
  const url = remoteUrl(fn, flags.tag);
  const [{functionReach}, {describeEndpoint}] = await Promise.all([import('../factory.js'), import('../core/ingress-address.js')]);
  const {reach, requestVia} = await functionReach({context: flags.context}, {namespace: fn.namespace, route: fn.name}, flags.ingress);
  const endpoint = await reach(url);
  return {endpoint, requestVia, describe: (u: string) => describeEndpoint({...endpoint, url: u})};
}
