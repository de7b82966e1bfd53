// The documented --json results (schemas/) are valid schemas that accept fn's results and refuse broken ones.
import {describe, expect, test} from '@jest/globals';
import {assertMatchesSchema, checkDocumentedResult} from '../support/result-schemas.js';
import {FnError} from '../../src/core/errors.js';

const image = `127.0.0.1:5000/e2e/hello@sha256:${'a'.repeat(64)}`;
const deployed = {
  service: 'hello',
  namespace: 'default',
  routing: 'service',
  revision: 'hello-0123456789',
  image,
  url: 'http://hello.default.example.test',
  tags: [{tag: 'v1', revision: 'hello-0123456789', url: 'http://v1-hello.default.example.test'}],
  traffic: [{revisionName: 'hello-0123456789', latestRevision: true, percent: 100, tag: 'v1', url: 'http://v1-hello.default.example.test'}],
  newRevision: true,
  ready: true,
  notes: [],
  subscriptions: [{name: 'hello-default', broker: 'default', filters: 'type=a', ready: 'True'}],
};

describe('result schemas', () => {
  test('a deploy result passes; without its image, with a tag image, or an unknown field it does not', () => {
    expect(() => assertMatchesSchema('deploy-result', deployed, 'deploy')).not.toThrow();
    const {image: _i, ...noImage} = deployed;
    expect(() => assertMatchesSchema('deploy-result', noImage, 'deploy')).toThrow(/must have required property 'image'/);
    expect(() => assertMatchesSchema('deploy-result', {...deployed, image: 'reg/hello:latest'}, 'deploy')).toThrow(/image must match pattern/);
    expect(() => assertMatchesSchema('deploy-result', {...deployed, extra: 1}, 'deploy')).toThrow(/must NOT have additional properties/);
    expect(() => assertMatchesSchema('deploy-result', {...deployed, url: 'not a url'}, 'deploy')).toThrow(/must match format "uri"/);
  });

  test('a rollout done event passes; a step event does not', () => {
    const done = {event: 'done', service: 'hello', namespace: 'default', status: 'succeeded', canary: 'hello-0123456789', image, tags: [], steps: [10, 100], traffic: [{revisionName: 'hello-0123456789', percent: 100}]};
    expect(() => assertMatchesSchema('rollout-result', done, 'rollout')).not.toThrow();
    expect(() => assertMatchesSchema('rollout-result', {event: 'stepStarted', step: 1, of: 2, percent: 10}, 'rollout')).toThrow();
  });

  test("an FnError's JSON is an error result; one with a made-up exit code is not", () => {
    expect(() => assertMatchesSchema('error', {error: new FnError('BROKER_NOT_FOUND', 'notFound', 'x', {suggestion: 'y'}).toJSON()}, 'error')).not.toThrow();
    expect(() => assertMatchesSchema('error', {error: {code: 'X', exitCode: 42, message: 'm'}}, 'error')).toThrow(/exitCode must be equal to one of/);
  });

  test('runFn checks the last line of rollout --json, and errors of any command', () => {
    expect(() => checkDocumentedResult(['rollout', 'hello', '--json'], 0, '{"event":"stepStarted","step":1,"of":1,"percent":100}\n{"event":"done"}')).toThrow(/rollout-result/);
    expect(() => checkDocumentedResult(['list', '--json'], 8, '{"error": {"code": "NOT_FOUND", "exitCode": 8}}')).toThrow(/must have required property 'message'/);
    expect(() => checkDocumentedResult(['rollout', 'status', 'hello', '--json'], 0, '{"anything": true}')).not.toThrow();
  });
});
