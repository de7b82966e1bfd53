// core/v1 Events about pods, recorded as the kubelet (and the scheduler) record them: one object per
// distinct reason and message, whose count and lastTimestamp grow when it happens again.
import {log, mergePatch, nowTime, request, type KubeObject} from './kube.js';

const NODE = process.env.FN_TESTENV_NODE_NAME ?? 'fn-testenv-node';
const seen = new Map<string, {name: string; count: number}>();

export async function recordEvent(pod: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string, component = 'kubelet'): Promise<void> {
  const ns = pod.metadata.namespace!;
  const key = `${pod.metadata.uid}\0${fieldPath ?? ''}\0${reason}\0${message}`;
  const now = nowTime();
  try {
    const had = seen.get(key);
    if (had) {
      had.count += 1;
      await mergePatch(`/api/v1/namespaces/${ns}/events/${had.name}`, {count: had.count, lastTimestamp: now});
      return;
    }
    const event = await request('POST', `/api/v1/namespaces/${ns}/events`, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {generateName: `${pod.metadata.name}.`, namespace: ns},
      involvedObject: {apiVersion: 'v1', kind: 'Pod', namespace: ns, name: pod.metadata.name, uid: pod.metadata.uid, ...(fieldPath ? {fieldPath} : {})},
      reason,
      message,
      type,
      source: {component, ...(component === 'kubelet' ? {host: NODE} : {})},
      reportingComponent: component,
      reportingInstance: component === 'kubelet' ? NODE : '',
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
    seen.set(key, {name: event.metadata.name, count: 1});
  } catch (e: any) {
    // A namespace being deleted refuses new events: nothing to record then.
    if (!/forbidden|not found|terminat/i.test(String(e?.message))) log('events', `${ns}/${pod.metadata.name} ${reason}: ${e?.message ?? e}`);
  }
}

/** Forget a pod's events (it is gone). */
export function forgetEvents(uid: string): void {
  for (const key of seen.keys()) if (key.startsWith(`${uid}\0`)) seen.delete(key);
}
