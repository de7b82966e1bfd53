// What a rollout reports as it goes: one object per event, printed as a line of JSON with --json
// (for CI logs) or as a progress line for humans. Every `step` is the 1-based number of a step
// ("step 2 of 4"), never an index.
import type {TrafficTarget} from '../traffic.js';
import type {PinnedTarget} from './split.js';

export type RolloutEvent = {at: string; service: string} & (
  | {event: 'started'; rolloutId: string; canary: {revisionName?: string; tag?: string; image?: string}; steps: number[]; prior: PinnedTarget[]; resumedFromStep?: number}
  | {event: 'deployed'; revision: string; image?: string}
  | {event: 'stepStarted'; step: number; of: number; percent: number}
  | {event: 'revisionReady'; revision: string}
  | {event: 'gate'; step: number; percent: number; passed: boolean; requests: number; errors: number; errorRate: number; p95Ms?: number; failures: string[]; sampleErrors: string[]}
  | {event: 'trafficMoved'; step: number; of: number; percent: number; traffic: TrafficTarget[]}
  | {event: 'waiting'; step: number; untilMs: number}
  | {event: 'rollingBack'; step: number; reason: string}
);

type Distribute<T> = T extends unknown ? Omit<T, 'at' | 'service'> : never;
export type RolloutEventBody = Distribute<RolloutEvent>;
