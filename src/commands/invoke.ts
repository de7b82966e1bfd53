import {Flags} from '@oclif/core';
import {readFile} from 'node:fs/promises';
import {FnError, functionNotFound} from '../core/errors.js';
import {invoke} from '../core/invoke.js';
import {remoteUrl} from '../core/remote-url.js';
import {clusterFlags, connectToFunction} from '../ui/cluster-flags.js';
import {FnCommand} from '../ui/base-command.js';

export default class Invoke extends FnCommand {
  static summary = 'Send a request (or a CloudEvent) to a function and print the answer.';
  static description = 'Targets the locally running function (fn run) unless --target names a URL, or is "remote": the deployed function\'s URL (--tag: that tag\'s URL; the function is --name or fn.yaml\'s in the current folder). Exits non-zero when the function answers with an HTTP error status.';
  static examples = [
    '<%= config.bin %> invoke --data \'{"name":"Ada"}\'',
    '<%= config.bin %> invoke --cloudevent --type com.example.ping --source cli --data \'{"n":1}\'',
    '<%= config.bin %> invoke --target https://hello.default.example.com --file payload.json',
    '<%= config.bin %> invoke --target remote --tag v2 -n staging',
  ];

  static flags = {
    target: Flags.string({description: 'URL to invoke, or "remote" for the deployed function', default: 'http://127.0.0.1:8080'}),
    tag: Flags.string({description: 'with --target remote: invoke this tag\'s URL'}),
    name: Flags.string({description: 'with --target remote: function name (default: fn.yaml\'s)'}),
    ingress: Flags.string({description: 'with --target remote: send to the cluster\'s ingress at HOST[:PORT] with the function\'s Host header (default: FN_INGRESS, else DNS, else the ingress the cluster publishes)'}),
    ...clusterFlags,
    data: Flags.string({char: 'd', description: 'request body', exclusive: ['file']}),
    file: Flags.string({char: 'f', description: 'read the request body from a file', exclusive: ['data']}),
    'content-type': Flags.string({description: 'content type of the body (default application/json)'}),
    method: Flags.string({char: 'X', description: 'HTTP method (default GET without a body, POST with one)'}),
    path: Flags.string({description: 'path appended to the target URL', default: '/'}),
    cloudevent: Flags.boolean({description: 'send a CloudEvent (binary mode)'}),
    type: Flags.string({description: 'CloudEvent type [default: fn.invoke]', dependsOn: ['cloudevent']}),
    source: Flags.string({description: 'CloudEvent source [default: fn/cli]', dependsOn: ['cloudevent']}),
    id: Flags.string({description: 'CloudEvent id (default: a random UUID)', dependsOn: ['cloudevent']}),
  };

  async run() {
    const {flags} = await this.parse(Invoke);
    const data = flags.file ? await readBody(flags.file) : flags.data;
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
    if (result.status >= 400) {
      throw new FnError('INVOKE_HTTP_ERROR', 'unexpected', `the function answered ${result.status}`, {
        suggestion: 'see the function\'s log for the error',
        details: {status: result.status, body: result.body},
      });
    }
    return result;
  }
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
