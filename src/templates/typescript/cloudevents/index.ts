import {CloudEvent} from 'cloudevents';
import type {Context} from './fn-types.js';

interface Hello {
  name?: string;
}

/**
 * Your function. fn calls handle() once for every CloudEvent it receives (binary or structured mode).
 *
 * @param context  the request: context.headers, .log.info/.warn/.error(...), ...
 * @param event    the incoming event: event.type, .source, .id, .data (parsed JSON), ...
 * @returns        a CloudEvent to answer with; or plain data, which fn wraps in a CloudEvent of type
 *                 "<incoming type>.response"; or nothing (answers 204).
 *                 May be async. A thrown error answers 500 {"error": "..."}.
 *
 * Try it: `fn run`, then `fn invoke --cloudevent --type com.example.hello --data '{"name":"Ada"}'`.
 */
export function handle(context: Context, event: CloudEvent<Hello>): CloudEvent<{message: string; inReplyTo: string}> {
  context.log.info(`{{fn.name}}: received ${event.type} from ${event.source}`);
  const name = event.data?.name ?? 'world';
  return new CloudEvent({
    type: 'com.example.greeting',
    source: '/{{fn.name}}',
    data: {message: `Hello ${name}`, inReplyTo: event.id},
  });
}
