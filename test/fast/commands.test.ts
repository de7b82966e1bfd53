// The cluster commands themselves (flags → use case → output and exit code), run in this process
// against the in-memory Knative port: src/factory.ts — the one place commands get adapters from — is
// replaced by one that hands out the memory port. The e2e suite runs the same commands on real Knative.
import {afterEach, beforeAll, beforeEach, describe, expect, jest, test} from '@jest/globals';
import {Config} from '@oclif/core';
import {mkdtemp, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {MemoryEventing} from './memory-eventing.js';
import {MemoryKnative} from './memory-knative.js';

let knative: MemoryKnative;
const contexts: Array<string | undefined> = [];

jest.unstable_mockModule('../../src/factory.js', () => ({
  knative: async (selection: {context?: string}) => {
    contexts.push(selection.context);
    return {knative, defaultNamespace: 'team', context: 'memory'};
  },
  // An empty Eventing: the functions here have no Triggers or PingSources.
  eventing: async () => new MemoryEventing(),
  // No pods to look at in memory: a revision's failure comes from its status alone.
  podDiagnosis: async () => async () => new Promise(() => {}),
}));

const commands = {
  traffic: (await import('../../src/commands/traffic.js')).default,
  rollback: (await import('../../src/commands/rollback.js')).default,
  describe: (await import('../../src/commands/describe.js')).default,
  list: (await import('../../src/commands/list.js')).default,
  revisions: (await import('../../src/commands/revisions/index.js')).default,
  delete: (await import('../../src/commands/delete.js')).default,
  'rollout status': (await import('../../src/commands/rollout/status.js')).default,
};

let config: Config;
beforeAll(async () => {
  config = await Config.load(fileURLToPath(new URL('../..', import.meta.url)));
});

interface Ran {
  exitCode: number;
  json: any;
}

/** Runs `fn <command> ARGS --json` in this process: its stdout parsed, its exit code (0 unless set). */
async function fn(command: keyof typeof commands, args: string[], folder = '/nonexistent-fn-folder'): Promise<Ran> {
  const out: string[] = [];
  const write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => (out.push(String(chunk)), true));
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  // oclif prints the --json result with console.log (which jest would decorate).
  const log = jest.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void out.push(`${parts.join(' ')}\n`));
  process.exitCode = undefined;
  try {
    // No fn.yaml: the function is named on the command line, as in CI scripts.
    const Command = commands[command] as unknown as typeof commands.list;
    const noFolder = 'path' in Command.flags ? ['--path', folder] : [];
    await Command.run([...args, '--json', ...noFolder], config);
  } finally {
    write.mockRestore();
    err.mockRestore();
    log.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return {exitCode, json: JSON.parse(out.join(''))};
}

const img = (n: string) => `registry.test/hello@sha256:${n.repeat(64)}`;

beforeEach(() => {
  process.env.CI = 'true';
  contexts.length = 0;
  knative = new MemoryKnative();
  knative.seed('hello', img('1'), {namespace: 'team', revisionName: 'hello-00001'});
  knative.addRevision('hello', 'hello-00002', 'True', img('2'), 'team');
});
afterEach(() => {
  process.exitCode = undefined;
});

describe('fn traffic', () => {
  test('--split writes once and reports the routed split', async () => {
    const r = await fn('traffic', ['hello', '--split', 'hello-00001=90,hello-00002=10', '--timeout', '5s']);
    expect(r.exitCode).toBe(0);
    expect(r.json.routed.map((t: any) => [t.revisionName, t.percent])).toEqual([['hello-00001', 90], ['hello-00002', 10]]);
    expect(knative.writes).toHaveLength(1);
  });

  test('an unknown revision is exit 8 with the names that exist, and nothing is written', async () => {
    const r = await fn('traffic', ['hello', '--split', 'hello-00003=100']);
    expect(r.exitCode).toBe(8);
    expect(r.json.error.message).toContain('hello-00003');
    expect(`${r.json.error.message} ${r.json.error.suggestion}`).toContain('hello-00002');
    expect(knative.writes).toHaveLength(0);
  });

  test('a split that does not sum to 100 is exit 2 before the cluster is asked', async () => {
    const r = await fn('traffic', ['hello', '--split', 'hello-00001=90,hello-00002=5']);
    expect(r.exitCode).toBe(2);
    expect(contexts).toHaveLength(0);
  });

  test('--context reaches the factory; the context\'s namespace is used when none is given', async () => {
    const r = await fn('traffic', ['hello', '--context', 'staging']);
    expect(r.exitCode).toBe(0);
    expect(contexts).toEqual(['staging']);
    expect(r.json).toMatchObject({service: 'hello', namespace: 'team'});
  });

  test('a missing function is exit 8 naming it and its namespace', async () => {
    const r = await fn('traffic', ['nope', '-n', 'team']);
    expect(r.exitCode).toBe(8);
    expect(r.json.error.code).toBe('FUNCTION_NOT_FOUND');
    expect(r.json.error.message).toContain('nope');
    expect(r.json.error.message).toContain('team');
  });
});

describe('fn rollback, describe, list, revisions, delete', () => {
  test('rollback after a canary sends everything back to the revision that served before', async () => {
    // The seeded split follows @latest (hello-00002): first all on hello-00001, then the canary.
    expect((await fn('traffic', ['hello', '--split', 'hello-00001=100', '--timeout', '5s'])).exitCode).toBe(0);
    expect((await fn('traffic', ['hello', '--split', 'hello-00001=50,hello-00002=50', '--timeout', '5s'])).exitCode).toBe(0);
    const r = await fn('rollback', ['--name', 'hello', '--timeout', '5s']);
    expect(r.exitCode).toBe(0);
    expect(r.json.routed.map((t: any) => [t.revisionName, t.percent])).toEqual([['hello-00001', 100]]);
  });

  test('describe, list and revisions read what is deployed', async () => {
    const described = await fn('describe', ['hello']);
    expect(described.exitCode).toBe(0);
    expect(described.json).toMatchObject({name: 'hello', namespace: 'team'});
    const listed = await fn('list', ['-n', 'team']);
    expect(listed.exitCode).toBe(0);
    expect(JSON.stringify(listed.json)).toContain('"hello"');
    const revisions = await fn('revisions', ['hello']);
    expect(revisions.exitCode).toBe(0);
    expect(JSON.stringify(revisions.json)).toContain('hello-00002');
  });

  test('delete in CI without --yes is exit 2 and deletes nothing; with --yes it deletes', async () => {
    const refused = await fn('delete', ['hello']);
    expect(refused.exitCode).toBe(2);
    expect(refused.json.error).toMatchObject({code: 'CONFIRMATION_REQUIRED'});
    expect(refused.json.error.suggestion).toContain('--yes');
    expect(knative.services.size).toBe(1);
    const deleted = await fn('delete', ['hello', '--yes']);
    expect(deleted.exitCode).toBe(0);
    expect(deleted.json).toMatchObject({name: 'hello', deleted: true});
    expect(knative.services.size).toBe(0);
  });
});

describe('one target resolution for every cluster command', () => {
  test('fn.yaml\'s namespace applies to fn.yaml\'s function only: fn traffic OTHER and fn rollout status OTHER look in the same place', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fn-fast-'));
    await writeFile(join(dir, 'fn.yaml'), 'name: hello\nruntime: node\nnamespace: prod\n');
    knative.seed('other', img('3'), {namespace: 'team', revisionName: 'other-00001'});
    const traffic = await fn('traffic', ['other'], dir);
    const status = await fn('rollout status', ['other'], dir);
    expect(traffic.exitCode).toBe(0);
    expect(status.exitCode).toBe(0);
    expect(traffic.json.namespace).toBe('team');
    expect(status.json).toMatchObject({service: 'other', namespace: 'team'});
    // And fn.yaml's own function is looked up in fn.yaml's namespace.
    const own = await fn('traffic', [], dir);
    expect(own.exitCode).toBe(8);
    expect(own.json.error.message).toContain('prod');
  });
});
