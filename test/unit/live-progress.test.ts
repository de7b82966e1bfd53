// What a person sees while fn deploys, without a cluster or a terminal: the live view's lines (one per
// phase, replaced in place), the deduplicated condition stream, the deploy's phases, ARGs expanded in
// build step lines, tables fitted to a width, and colour only where it belongs.
import {afterEach, beforeEach, describe, expect, test} from '@jest/globals';
import {Chalk} from 'chalk';
import {stripVTControlCharacters} from 'node:util';
import {argDeclarations, expandArgs} from '../../src/core/dockerfile.js';
import type {Condition} from '../../src/core/knative.js';
import type {DeployedFunction} from '../../src/core/ports.js';
import {ConditionsSeen, deployPhase, newConditionLines} from '../../src/core/readiness.js';
import {elapsed, LiveView, REPLACE_LINE, SPINNER} from '../../src/ui/live-view.js';
import {renderTraffic} from '../../src/commands/traffic.js';
import {stderrProgress} from '../../src/ui/progress.js';
import {table} from '../../src/ui/table.js';
import {colourLevel, elideEnd, elideMiddle, paintState, tableWidth, visibleLength} from '../../src/ui/terminal.js';
import {deployedFunction} from '../support/deployed-function.js';

/** What a terminal shows after `output`: each line as its last carriage return and erase-line left it. */
function screen(output: string): string[] {
  return output
    .split('\n')
    .map((line) => stripVTControlCharacters(line.split('\r').at(-1) ?? ''))
    .filter((line, i, all) => line !== '' || i < all.length - 1);
}

function view(width = 80) {
  let now = 1_000;
  const live = new LiveView({now: () => now, width: () => width, paint: new Chalk({level: 0})});
  return {live, advance: (ms: number) => (now += ms)};
}

describe('the live view: one line per phase, replaced in place', () => {
  test('a phase named once it is over (the apply, by what it did) counts from when it began: the one before ends there', () => {
    const {live, advance} = view();
    let out = live.step('Pushing reg/hello:latest');
    const applyStarted = advance(800);
    advance(400);
    out += live.step('Creating hello in namespace team: revision hello-abc', applyStarted);
    out += live.step('Waiting for revision hello-abc');
    advance(1_000);
    out += live.end('done');
    expect(screen(out)).toEqual(['✔ Pushing reg/hello:latest  0.8s', '✔ Creating hello in namespace team: revision hello-abc  0.4s', '✔ Waiting for revision hello-abc  1.0s', '✔ Done in 2.2s']);
  });

  test('a step is a live line; its status and the spinner replace it; the next step settles it with ✔ and its time', () => {
    const {live, advance} = view();
    let out = live.step('Building reg/hello:latest');
    expect(out).toBe(`${REPLACE_LINE}${SPINNER[0]} Building reg/hello:latest  0.0s`);
    advance(300);
    const status = live.status('[3/22] FROM node:20-slim AS invoker');
    expect(status.startsWith(REPLACE_LINE)).toBe(true);
    expect(status).not.toContain('\n');
    expect(status).toContain('[3/22] FROM node:20-slim AS invoker  0.3s');
    out += status;
    const tick = live.tick();
    expect(tick).toContain(SPINNER[1]);
    out += tick;
    advance(1_200);
    out += live.step('Pushing reg/hello:latest');
    advance(500);
    out += live.step('Waiting for revision hello-abc');
    out += live.status('Ready: Unknown RevisionMissing — Configuration "hello" is waiting for a Revision to become ready.');
    advance(2_000);
    out += live.step('Routing traffic to hello-abc');
    out += live.status('Ready: True');
    advance(100);
    out += live.end('done');
    expect(screen(out)).toEqual([
      '✔ Building reg/hello:latest  1.5s',
      '✔ Pushing reg/hello:latest  0.5s',
      '✔ Waiting for revision hello-abc  2.0s',
      '✔ Routing traffic to hello-abc  0.1s',
      '✔ Done in 4.1s',
    ]);
    // Every rewrite of the live line begins with a carriage return and erase-line, never a new line.
    expect(out.split(REPLACE_LINE).length).toBeGreaterThan(8);
  });

  test('a note stays above the live line, which comes back under it', () => {
    const {live} = view();
    let out = live.step('Updating hello');
    const note = live.line('hello keeps its split: the new revision takes 0%');
    expect(note).toBe(`${REPLACE_LINE}hello keeps its split: the new revision takes 0%\n${REPLACE_LINE}${SPINNER[0]} Updating hello  0.0s`);
    out += note + live.end('done');
    expect(screen(out)).toEqual(['hello keeps its split: the new revision takes 0%', '✔ Updating hello  0.0s', '✔ Done in 0.0s']);
  });

  test('a failure settles the live phase with ✖ and what it was doing, and no Done line', () => {
    const {live, advance} = view(120);
    live.step('Waiting for revision hello-abc');
    live.status('Ready: False ExitCode1 — container exited');
    advance(4_000);
    expect(screen(live.end('failed'))).toEqual(['✖ Waiting for revision hello-abc  Ready: False ExitCode1 — container exited  4.0s']);
    expect(live.end('done')).toBe('');
  });

  test('without phases nothing is settled, and a status is a plain line', () => {
    const {live} = view();
    expect(live.status('Ready: True')).toBe(`${REPLACE_LINE}Ready: True\n`);
    expect(live.tick()).toBe('');
    expect(live.end('done')).toBe('');
  });

  test('the live line never wraps: the status loses its end, a long title its middle', () => {
    const {live} = view(60);
    const title = `Building 127.0.0.1:5000/team/a-rather-long-function-name:latest (fn's node Dockerfile on node:20-slim)`;
    for (const out of [live.step(title), live.status('[10/22] RUN if [ -f package-lock.json ] || [ -f npm-shrinkwrap.json ]; then npm ci; fi'), live.end('done')]) {
      for (const line of screen(out)) expect(visibleLength(line)).toBeLessThan(60);
    }
    const shown = screen(live.step(title))[0];
    expect(shown).toMatch(/^⠋ Building 127\.0\.0\.1:5000\/t.*…/);
    expect(shown).toMatch(/node:20-slim\) {2}0\.0s$/);
  });

  test('Done counts from the command\'s start when given (connecting and applying come before the first step)', () => {
    let now = 5_000;
    const live = new LiveView({now: () => now, width: () => 80, paint: new Chalk({level: 0}), startedAt: 2_000});
    live.step('Waiting for revision hello-abc');
    now += 1_000;
    expect(screen(live.end('done'))).toEqual(['✔ Waiting for revision hello-abc  1.0s', '✔ Done in 4.0s']);
  });

  test('elapsed time', () => {
    expect(elapsed(0)).toBe('0.0s');
    expect(elapsed(12_345)).toBe('12.3s');
    expect(elapsed(65_000)).toBe('1m05s');
  });
});

describe('the log: plain lines, a status never twice in a row', () => {
  let written: string[];
  const original = process.stderr.write.bind(process.stderr);
  beforeEach(() => {
    written = [];
    (process.stderr as {write: unknown}).write = (chunk: string) => {
      written.push(String(chunk));
      return true;
    };
  });
  afterEach(() => {
    (process.stderr as {write: unknown}).write = original;
  });

  test('not a terminal: steps, statuses and notes are lines; a repeated status is left out', () => {
    const progress = stderrProgress({live: true, env: {CI: 'true'}});
    progress.step('Waiting for revision hello-abc');
    progress.status!('Ready: Unknown RevisionMissing');
    progress.status!('Ready: Unknown RevisionMissing');
    progress.info('a note');
    progress.status!('Ready: True');
    progress.detail('only with --verbose');
    progress.close('done');
    expect(written.join('')).toBe('Waiting for revision hello-abc\nReady: Unknown RevisionMissing\na note\nReady: True\n');
  });
});

const c = (type: string, status: Condition['status'], reason?: string, message?: string): Condition => ({type, status, ...(reason ? {reason} : {}), ...(message ? {message} : {})});

const fn = (conditions: Condition[], over: Partial<DeployedFunction> = {}): DeployedFunction => deployedFunction({revision: 'hello-new', url: undefined, conditions, ...over});

describe('the condition stream of a wait', () => {
  // The states an update of a Service went through on the local cluster (fn deploy, Knative 1.15).
  const outOfDateConfig = 'The Configuration is still working to reflect the latest desired specification.';
  const outOfDateRoute = 'The Route is still working to reflect the latest desired specification.';
  const notReady = 'Revision "hello-new" is not yet ready.';
  const states = [
    [c('ConfigurationsReady', 'Unknown', 'OutOfDate', outOfDateConfig), c('Ready', 'Unknown', 'OutOfDate', outOfDateConfig), c('RoutesReady', 'True')],
    [c('ConfigurationsReady', 'Unknown'), c('Ready', 'Unknown', 'OutOfDate', outOfDateRoute), c('RoutesReady', 'Unknown', 'OutOfDate', outOfDateRoute)],
    [c('ConfigurationsReady', 'Unknown'), c('Ready', 'Unknown', 'RevisionMissing', notReady), c('RoutesReady', 'Unknown', 'RevisionMissing', notReady)],
    [c('ConfigurationsReady', 'True'), c('Ready', 'Unknown', 'RevisionMissing', notReady), c('RoutesReady', 'Unknown', 'RevisionMissing', notReady)],
    [c('ConfigurationsReady', 'True'), c('Ready', 'Unknown', 'IngressNotConfigured', 'Ingress has not yet been reconciled.'), c('RoutesReady', 'Unknown', 'IngressNotConfigured', 'Ingress has not yet been reconciled.')],
    [c('ConfigurationsReady', 'True'), c('Ready', 'Unknown'), c('RoutesReady', 'Unknown')],
    [c('ConfigurationsReady', 'True'), c('Ready', 'True'), c('RoutesReady', 'True')],
    [c('ConfigurationsReady', 'True'), c('Ready', 'True'), c('RoutesReady', 'True')],
  ];

  test('Ready as it changes, each message once, no flip-back noise', () => {
    const seen = new ConditionsSeen();
    const lines = states.flatMap((s) => newConditionLines(fn(s), seen));
    expect(lines).toEqual([
      `Ready: Unknown OutOfDate — ${outOfDateConfig}`,
      `Ready: Unknown OutOfDate — ${outOfDateRoute}`,
      `Ready: Unknown RevisionMissing — ${notReady}`,
      'Ready: Unknown IngressNotConfigured — Ingress has not yet been reconciled.',
      'Ready: True',
    ]);
    for (let i = 1; i < lines.length; i++) expect(lines[i]).not.toBe(lines[i - 1]);
  });

  test('a condition seen True that goes back to Unknown is not news; it coming back True is not printed again', () => {
    const seen = new ConditionsSeen();
    expect(newConditionLines(fn([c('Ready', 'True')]), seen)).toEqual(['Ready: True']);
    expect(newConditionLines(fn([c('Ready', 'Unknown', 'Deploying', 'moving')]), seen)).toEqual([]);
    expect(newConditionLines(fn([c('Ready', 'True')]), seen)).toEqual([]);
    // A failure always is news.
    expect(newConditionLines(fn([c('Ready', 'False', 'RevisionFailed', 'boom')]), seen)).toEqual(['Ready: False RevisionFailed — boom']);
  });

  test('a failing condition is shown by its own type, and Ready saying the same is left out', () => {
    const seen = new ConditionsSeen();
    const failed = [c('ConfigurationsReady', 'False', 'RevisionFailed', 'Revision "hello-new" failed with message: exit 1.'), c('Ready', 'False', 'RevisionFailed', 'Revision "hello-new" failed with message: exit 1.'), c('RoutesReady', 'Unknown', 'RevisionMissing', 'x')];
    expect(newConditionLines(fn(failed), seen)).toEqual(['ConfigurationsReady: False RevisionFailed — Revision "hello-new" failed with message: exit 1.']);
  });

  test('without a Ready condition every condition is shown as it changes', () => {
    const seen = new ConditionsSeen();
    expect(newConditionLines(fn([c('RoutesReady', 'Unknown', 'Pending', 'p')]), seen)).toEqual(['RoutesReady: Unknown Pending — p']);
  });
});

describe('the phases of a deploy wait', () => {
  test('the revision, then routing, then ready', () => {
    const revisionPending = fn([c('ConfigurationsReady', 'Unknown'), c('Ready', 'Unknown')], {latestReadyRevisionName: 'hello-old'});
    const routing = fn([c('ConfigurationsReady', 'True'), c('Ready', 'Unknown', 'IngressNotConfigured')]);
    const notMigrated = fn([c('Ready', 'True')], {statusTraffic: [{revisionName: 'hello-old', percent: 100}]});
    const ready = fn([c('ConfigurationsReady', 'True'), c('RoutesReady', 'True'), c('Ready', 'True')]);
    expect(deployPhase(revisionPending, 'hello-new')).toBe('revision');
    expect(deployPhase(fn([c('Ready', 'Unknown')], {observed: false}), 'hello-new')).toBe('revision');
    expect(deployPhase(routing, 'hello-new')).toBe('routing');
    expect(deployPhase(notMigrated, 'hello-new')).toBe('routing');
    expect(deployPhase(ready, 'hello-new')).toBe('ready');
    // A revision Knative names: the latest created one.
    expect(deployPhase(routing)).toBe('routing');
  });
});

describe('build step lines show the images, not the ARGs', () => {
  test('${NAME}, ${NAME:-default} and $NAME are expanded; unknown names stay', () => {
    const values = {BUILDER_IMAGE: 'node:20-slim', BASE_IMAGE: 'gcr.io/distroless/nodejs20'};
    expect(expandArgs('FROM ${BUILDER_IMAGE} AS invoker', values)).toBe('FROM node:20-slim AS invoker');
    expect(expandArgs('FROM $BASE_IMAGE', values)).toBe('FROM gcr.io/distroless/nodejs20');
    expect(expandArgs('FROM ${RUNTIME:-python:3.12}', values)).toBe('FROM python:3.12');
    expect(expandArgs('RUN echo ${UNSET} $HOME', values)).toBe('RUN echo ${UNSET} $HOME');
  });

  test('ARG declarations give the defaults', () => {
    expect(argDeclarations('ARG BUILDER_IMAGE=node:20-slim')).toEqual({BUILDER_IMAGE: 'node:20-slim'});
    expect(argDeclarations('ARG SOURCE="" REVISION="abc" CREATED')).toEqual({SOURCE: '', REVISION: 'abc'});
    expect(argDeclarations('FROM x')).toEqual({});
  });
});

describe('width and colour', () => {
  const image = '127.0.0.1:5000/team/hello@sha256:66a532bffcc1e6b8eb7b255212fbfdca108d76c28997cca94b25d7cd2b49bc26';

  test('elision in the middle keeps both ends; at the end keeps the start', () => {
    const middle = elideMiddle(image, 30);
    expect(middle).toHaveLength(30);
    expect(middle.startsWith('127.0.0.1:5000/')).toBe(true);
    expect(middle.endsWith('b49bc26')).toBe(true);
    expect(middle).toContain('…');
    expect(elideMiddle('short', 30)).toBe('short');
    expect(elideEnd('a long reason message', 10)).toBe('a long re…');
  });

  test('a table fits the width by eliding its shrinkable columns; without a width every cell is whole', () => {
    const rows = [
      {name: 'hello-09b3a799cc', ready: 'True', reason: '', image},
      {name: 'hello-56602212c5', ready: 'False', reason: 'ExitCode1: the container exited with code 1 before it was ready', image},
    ];
    const fitted = table(rows, ['name', 'ready', 'reason', 'image'], undefined, {width: 100, shrink: {image: 'middle', reason: 'end'}});
    for (const line of fitted.split('\n')) expect(visibleLength(line)).toBeLessThanOrEqual(100);
    expect(fitted).toContain('127.0.0.1:5000/');
    expect(fitted).toMatch(/…[0-9a-f]+2b49bc26\n|…[0-9a-f]*2b49bc26$/m);
    expect(fitted).not.toContain(image);
    const whole = table(rows, ['name', 'ready', 'reason', 'image'], undefined, {shrink: {image: 'middle', reason: 'end'}});
    expect(whole).toContain(image);
    expect(whole).toContain('before it was ready');
  });

  test('colour is painted after padding, so columns stay aligned', () => {
    const paint = new Chalk({level: 1});
    const out = table([{name: 'a', ready: 'True', age: '1m'}, {name: 'b', ready: 'Unknown', age: '2m'}], ['name', 'ready', 'age'], undefined, {paint: (col, text) => (col === 'ready' ? paintState(paint, text) : text)});
    expect(out).toContain('\x1b[32mTrue   \x1b[39m');
    expect(stripVTControlCharacters(out)).toBe('NAME  READY    AGE\na     True     1m\nb     Unknown  2m');
  });

  test('states: ready green, failed red, unknown yellow', () => {
    const paint = new Chalk({level: 1});
    expect(paintState(paint, 'True')).toBe(paint.green('True'));
    expect(paintState(paint, 'ready')).toBe(paint.green('ready'));
    expect(paintState(paint, 'False')).toBe(paint.red('False'));
    expect(paintState(paint, 'Unknown')).toBe(paint.yellow('Unknown'));
    expect(paintState(paint, 'applied (not waiting)')).toBe('applied (not waiting)');
  });

  test('colour on a terminal only; NO_COLOR (when not empty) and TERM=dumb turn it off', () => {
    expect(colourLevel({isTTY: true}, {}, 2)).toBe(2);
    expect(colourLevel({isTTY: true}, {}, 0)).toBe(1);
    expect(colourLevel({isTTY: false}, {}, 3)).toBe(0);
    expect(colourLevel({isTTY: true}, {NO_COLOR: '1'}, 3)).toBe(0);
    expect(colourLevel({isTTY: true}, {NO_COLOR: ''}, 3)).toBe(3);
    expect(colourLevel({isTTY: true}, {TERM: 'dumb'}, 3)).toBe(0);
  });

  test('fn traffic\'s table fits COLUMNS: tag URLs are cut in the middle; without a limit they are whole', () => {
    const url = 'http://canary-checkout-service.payments-production.apps.example.test';
    const routed = [
      {revisionName: 'checkout-service-00002', percent: 90},
      {revisionName: 'checkout-service-00003', percent: 10, tag: 'canary', url},
    ];
    const view = {service: 'checkout-service', namespace: 'payments-production', routed, traffic: routed, tags: [], settled: true};
    const saved = process.env.COLUMNS;
    try {
      process.env.COLUMNS = '72';
      const lines = stripVTControlCharacters(renderTraffic(view)).split('\n').slice(1);
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(72);
      expect(lines[2]).toMatch(/^canary\s+checkout-service-00003\s+10%\s+http:\/\/\S+…\S+\.test$/);
      delete process.env.COLUMNS;
      expect(renderTraffic(view)).toContain(url);
    } finally {
      if (saved === undefined) delete process.env.COLUMNS;
      else process.env.COLUMNS = saved;
    }
  });

  test('a table is as wide as COLUMNS, else the terminal; a pipe has no limit', () => {
    expect(tableWidth({isTTY: false}, {COLUMNS: '72'})).toBe(72);
    expect(tableWidth({isTTY: true, columns: 120}, {})).toBe(120);
    expect(tableWidth({isTTY: false, columns: 120}, {})).toBeUndefined();
  });
});
