// Image names: the engine's reference grammar, fn's defaulting rules and their errors.
import {describe, expect, test} from '@jest/globals';
import {FnError} from '../../src/core/errors.js';
import type {FunctionConfig} from '../../src/core/function.js';
import {digestReference, parseImageRef, resolveImage, taggedName} from '../../src/core/image-ref.js';

const config: FunctionConfig = {name: 'hello', runtime: 'node'};

describe('parseImageRef', () => {
  test.each([
    ['node', 'docker.io', 'library/node', undefined],
    ['node:20-slim', 'docker.io', 'library/node', '20-slim'],
    ['127.0.0.1:5000/team/hello:latest', '127.0.0.1:5000', 'team/hello', 'latest'],
    ['localhost/hello', 'localhost', 'hello', undefined],
    ['ghcr.io/acme/a.b_c__d-e/f', 'ghcr.io', 'acme/a.b_c__d-e/f', undefined],
    ['gcr.io/distroless/static-debian12:nonroot', 'gcr.io', 'distroless/static-debian12', 'nonroot'],
  ])('%s', (value, registry, repository, tag) => {
    expect(parseImageRef(value)).toMatchObject({registry, repository, tag});
  });

  test('a digest is kept', () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    expect(parseImageRef(`quay.io/x/y@${digest}`)).toMatchObject({registry: 'quay.io', repository: 'x/y', digest});
  });

  test.each([
    ['Hello/World', /must be lowercase/],
    ['127.0.0.1:5000/team/Hello', /"Hello" must be lowercase/],
    ['hello:bad tag', /whitespace/],
    ['hello:-x', /tag "-x"/],
    ['hello@sha256:xyz', /digest/],
    ['', /empty/],
    ['a//b', /must be lowercase/],
  ])('%j is refused with the reason', (value, reason) => {
    let error: unknown;
    try {
      parseImageRef(value, '--image');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FnError);
    expect((error as FnError).code).toBe('INVALID_IMAGE');
    expect((error as FnError).exitCode).toBe(2);
    expect((error as FnError).message).toContain(`--image "${value}"`);
    expect((error as FnError).message).toMatch(reason);
  });
});

describe('resolveImage', () => {
  test('--image wins over fn.yaml image and registry', () => {
    const r = resolveImage({...config, image: 'a.io/x/y:1', registry: 'b.io/z'}, {image: 'c.io/q/r:2', registry: 'd.io/s'});
    expect(r.name).toBe('c.io/q/r:2');
  });

  test('fn.yaml image, then <registry>/<name>:latest from --registry (or FN_REGISTRY, through the flag), fn.yaml registry', () => {
    expect(resolveImage({...config, image: 'a.io/x/y'}, {}).name).toBe('a.io/x/y:latest');
    expect(resolveImage({...config, registry: 'b.io/z'}, {registry: '127.0.0.1:5000/t/'}).name).toBe('127.0.0.1:5000/t/hello:latest');
    expect(resolveImage({...config, registry: 'b.io/z'}, {}).name).toBe('b.io/z/hello:latest');
  });

  test('no registry: an error naming the ways to set one, or a local name when nothing is pushed', () => {
    expect(() => resolveImage(config, {})).toThrow(/no image name for hello/);
    expect(resolveImage(config, {localFallback: true}).name).toBe('localhost/hello:latest');
  });

  test('a registry with a scheme or a digest image is refused', () => {
    expect(() => resolveImage(config, {registry: 'https://quay.io/x'})).toThrow(/must not include a scheme/);
    expect(() => resolveImage(config, {image: `x.io/y@sha256:${'b'.repeat(64)}`})).toThrow(/names a digest/);
  });

  test('digest references keep the registry', () => {
    const ref = parseImageRef('127.0.0.1:5000/t/hello:latest');
    expect(taggedName(ref)).toBe('127.0.0.1:5000/t/hello:latest');
    expect(digestReference(ref, 'sha256:abc')).toBe('127.0.0.1:5000/t/hello@sha256:abc');
  });
});
