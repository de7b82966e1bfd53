import {describe, expect, test} from '@jest/globals';
import {apportion, pinTraffic, splitTraffic, withoutTag, type PinnedTarget} from '../../src/core/rollout/split.js';

const canary = {revisionName: 'hello-00003', tag: 'canary'};

describe('apportion (largest remainder)', () => {
  test.each([
    [[50, 50], 95, [48, 47]],
    [[90, 10], 95, [86, 9]],
    [[33, 33, 34], 95, [32, 31, 32]],
    [[1, 1, 1], 100, [34, 33, 33]],
    [[70, 20, 10], 75, [53, 15, 7]],
    [[100], 0, [0]],
    [[0, 100], 50, [0, 50]],
    [[1, 99], 5, [0, 5]],
  ])('%j scaled to %d → %j', (weights, total, expected) => {
    const result = apportion(weights, total);
    expect(result).toEqual(expected);
    expect(result.reduce((a, b) => a + b, 0)).toBe(total);
  });

  test('every whole total over many splits sums exactly and stays within one point of exact', () => {
    const splits = [[50, 50], [90, 10], [33, 33, 34], [1, 1, 98], [20, 20, 20, 20, 20], [7, 13, 80], [1, 2, 3, 4, 90]];
    for (const weights of splits) {
      for (let total = 0; total <= 100; total++) {
        const result = apportion(weights, total);
        expect(result.reduce((a, b) => a + b, 0)).toBe(total);
        result.forEach((r, i) => expect(Math.abs(r - (weights[i] * total) / 100)).toBeLessThan(1));
      }
    }
  });
});

describe('splitTraffic', () => {
  const single: PinnedTarget[] = [{revisionName: 'hello-00001', percent: 100}];
  const split: PinnedTarget[] = [
    {revisionName: 'hello-00001', percent: 90, tag: 'stable'},
    {revisionName: 'hello-00002', percent: 10},
  ];

  test.each([
    [single, 0, [{revisionName: 'hello-00003', percent: 0, tag: 'canary'}, {revisionName: 'hello-00001', percent: 100}]],
    [single, 5, [{revisionName: 'hello-00003', percent: 5, tag: 'canary'}, {revisionName: 'hello-00001', percent: 95}]],
    [split, 5, [{revisionName: 'hello-00003', percent: 5, tag: 'canary'}, {revisionName: 'hello-00001', percent: 86, tag: 'stable'}, {revisionName: 'hello-00002', percent: 9}]],
    [split, 25, [{revisionName: 'hello-00003', percent: 25, tag: 'canary'}, {revisionName: 'hello-00001', percent: 68, tag: 'stable'}, {revisionName: 'hello-00002', percent: 7}]],
    [split, 50, [{revisionName: 'hello-00003', percent: 50, tag: 'canary'}, {revisionName: 'hello-00001', percent: 45, tag: 'stable'}, {revisionName: 'hello-00002', percent: 5}]],
    // At 100% an untagged prior revision leaves the block; a tagged one keeps its URL at 0%.
    [split, 100, [{revisionName: 'hello-00003', percent: 100, tag: 'canary'}, {revisionName: 'hello-00001', percent: 0, tag: 'stable'}]],
  ])('%j with the canary at %d%%', (prior, percent, expected) => {
    const block = splitTraffic(prior, canary, percent);
    expect(block).toEqual(expected);
    expect(block.reduce((a, t) => a + t.percent, 0)).toBe(100);
  });

  test('a prior entry of the canary revision is replaced; another revision holding the canary tag gives it up', () => {
    const prior: PinnedTarget[] = [
      {revisionName: 'hello-00001', percent: 100},
      {revisionName: 'hello-00003', percent: 0, tag: 'canary'},
      {revisionName: 'hello-00002', percent: 0, tag: 'canary-old'},
    ];
    expect(splitTraffic(prior, canary, 25)).toEqual([
      {revisionName: 'hello-00003', percent: 25, tag: 'canary'},
      {revisionName: 'hello-00001', percent: 75},
      {revisionName: 'hello-00002', percent: 0, tag: 'canary-old'},
    ]);
    const taken = [{revisionName: 'hello-00001', percent: 100, tag: 'canary'}];
    expect(splitTraffic(taken, canary, 10)).toEqual([
      {revisionName: 'hello-00003', percent: 10, tag: 'canary'},
      {revisionName: 'hello-00001', percent: 90},
    ]);
  });

  test('sums to 100 for every step over awkward splits', () => {
    const prior: PinnedTarget[] = [
      {revisionName: 'a', percent: 33},
      {revisionName: 'b', percent: 33, tag: 'b'},
      {revisionName: 'c', percent: 34},
    ];
    for (let p = 0; p <= 100; p++) {
      const block = splitTraffic(prior, canary, p);
      expect(block.reduce((a, t) => a + t.percent, 0)).toBe(100);
      expect(block[0].percent).toBe(p);
    }
  });

  test('refuses a percent that is not whole, and a service with nothing else routed', () => {
    expect(() => splitTraffic(single, canary, 2.5)).toThrow('canary percent 2.5');
    expect(() => splitTraffic([{revisionName: 'hello-00003', percent: 100}], canary, 50)).toThrow(/no revision other than hello-00003/);
  });
});

describe('pinTraffic', () => {
  const ready = (traffic: object[], latestReadyRevisionName?: string, statusTraffic: object[] = []) => ({traffic, statusTraffic, latestReadyRevisionName}) as Parameters<typeof pinTraffic>[0];
  test('@latest entries become the latest ready revision; an empty block is 100% latest', () => {
    expect(pinTraffic(ready([], 'hello-00002'))).toEqual([{revisionName: 'hello-00002', percent: 100}]);
    expect(
      pinTraffic(
        ready(
          [
            {latestRevision: true, percent: 80},
            {revisionName: 'hello-00001', percent: 20, tag: 'old'},
          ],
          'hello-00002',
        ),
      ),
    ).toEqual([
      {revisionName: 'hello-00002', percent: 80},
      {revisionName: 'hello-00001', percent: 20, tag: 'old'},
    ]);
  });
  test('what status.traffic routes @latest to wins over the latest ready revision (one way to pin, shared with deploy --no-traffic)', () => {
    expect(pinTraffic(ready([{latestRevision: true, percent: 100}], 'hello-00003', [{latestRevision: true, revisionName: 'hello-00002', percent: 100}]))).toEqual([{revisionName: 'hello-00002', percent: 100}]);
  });
  test('no ready revision to pin to is a clear error', () => {
    expect(() => pinTraffic(ready([], undefined))).toThrow(/no ready revision/);
  });
});

test('withoutTag drops the tag, and the entry when it routes nothing', () => {
  expect(withoutTag([{revisionName: 'c', percent: 100, tag: 'canary'}, {revisionName: 'o', percent: 0, tag: 'canary2'}], 'canary')).toEqual([
    {revisionName: 'c', percent: 100},
    {revisionName: 'o', percent: 0, tag: 'canary2'},
  ]);
  expect(withoutTag([{revisionName: 'c', percent: 0, tag: 'canary'}], 'canary')).toEqual([]);
});
