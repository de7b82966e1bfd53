// How Triggers, schedules and Brokers read in a terminal: one table shape for fn deploy, fn describe,
// fn subscriptions, fn schedules and fn brokers.
import type {BrokerInfo, Readiness, ScheduleInfo, TriggerInfo} from '../core/eventing.js';
import {screenTable} from './table.js';

/** "ready", or "not ready: Reason — message". */
export function readinessText(r: Readiness): string {
  if (r.ready === 'True') return 'ready';
  const why = [r.reason, r.message].filter(Boolean).join(': ');
  return `${r.ready === 'False' ? 'not ready' : 'pending'}${why ? ` (${why})` : ''}`;
}

const reasonOf = (r: Readiness) => (r.ready === 'True' ? '' : [r.reason, r.message].filter(Boolean).join(': '));

export function triggersTable(triggers: TriggerInfo[]): string {
  // A DELIVERY column only when a Trigger has retries or a dead-letter sink.
  const delivery = triggers.some((t) => t.delivery);
  return screenTable(
    triggers.map((t) => ({name: t.name, broker: t.broker, filters: t.filters, delivery: t.delivery ?? '', ready: t.ready, reason: reasonOf(t)})),
    delivery ? ['name', 'broker', 'filters', 'delivery', 'ready', 'reason'] : ['name', 'broker', 'filters', 'ready', 'reason'],
    {shrink: {delivery: 'end', reason: 'end'}},
  );
}

export function schedulesTable(schedules: ScheduleInfo[]): string {
  return screenTable(
    schedules.map((s) => ({name: s.name, schedule: s.cron, timezone: s.timezone ?? 'UTC', data: s.data ?? '', ready: s.ready, reason: reasonOf(s)})),
    ['name', 'schedule', 'timezone', 'data', 'ready', 'reason'],
    {shrink: {data: 'end', reason: 'end'}},
  );
}

export function brokersTable(brokers: BrokerInfo[], withNamespace: boolean): string {
  const rows = brokers.map((b) => ({namespace: b.namespace, name: b.name, url: b.url ?? '', ready: b.ready, reason: reasonOf(b)}));
  const shrink = {url: 'middle', reason: 'end'} as const;
  return screenTable(rows, withNamespace ? ['namespace', 'name', 'url', 'ready', 'reason'] : ['name', 'url', 'ready', 'reason'], {shrink});
}
