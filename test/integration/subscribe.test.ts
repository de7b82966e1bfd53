// fn subscribe and fn unsubscribe as a user runs them (bin/run.js in a real temp folder): what they
// print, --json, exit codes, and that a refused edit leaves fn.yaml byte for byte as it was. No
// cluster is involved (KUBECONFIG points nowhere: a contacted cluster would be exit 7). Needs `npm run build`.
import {describe, expect, test} from '@jest/globals';
import {mkdtemp, readFile, readdir, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, runFnJson, expectExit} from '../support/cli.js';

const NOWHERE = {KUBECONFIG: '/nonexistent/kubeconfig'};
const FN_YAML = `# hello: a function
specVersion: 1
name: hello
runtime: node # node 20

# events
subscriptions:
  - broker: default # orders
    filters: {type: com.example.order}
`;

async function fnDir(text = FN_YAML): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fn-subscribe-'));
  await writeFile(join(dir, 'fn.yaml'), text);
  return dir;
}
const fnYaml = (dir: string) => readFile(join(dir, 'fn.yaml'), 'utf8');

describe('fn subscribe', () => {
  test('adds the subscription, keeps the comments, prints it and the next step', async () => {
    const dir = await fnDir();
    const r = await runFn(['subscribe', '--broker', 'default', '--prefix', 'type=com.example.', '--filter', 'source=/orders', '--name', 'prefixed', '--path', dir], {env: NOWHERE});
    expectExit(r, 0);
    expect(r.stdout).toBe(
      `Subscribed in ${join(dir, 'fn.yaml')}: broker default, source=/orders type=com.example.* (subscriptions[1], Trigger hello-prefixed)\nNext: fn deploy --path ${dir} creates the Trigger`,
    );
    expect(await fnYaml(dir)).toBe(`${FN_YAML}  - broker: default\n    name: prefixed\n    filters:\n      - exact: {source: /orders}\n      - prefix: {type: com.example.}\n`);
    expect(await readdir(dir)).toEqual(['fn.yaml']);
  });

  test('--json: the documented result; the same subscription again is exit 0, added false, the file untouched', async () => {
    const dir = await fnDir();
    const first = await runFnJson(['subscribe', '--broker', 'default', '--filter', 'type=com.example.refund', '--filter', 'source=/shop', '--path', dir], {env: NOWHERE});
    expectExit(first, 0);
    expect(first.json).toEqual({
      added: true,
      index: 1,
      trigger: 'hello-default-2',
      broker: 'default',
      filters: 'type=com.example.refund source=/shop',
      subscription: {broker: 'default', filters: {type: 'com.example.refund', source: '/shop'}},
      file: join(dir, 'fn.yaml'),
      written: true,
    });
    const after = await fnYaml(dir);
    const again = await runFnJson(['subscribe', '--broker', 'default', '--filter', 'source=/shop', '--filter', 'type=com.example.refund', '--path', dir], {env: NOWHERE});
    expectExit(again, 0);
    expect(again.json).toMatchObject({added: false, index: 1, trigger: 'hello-default-2', written: false});
    expect(await fnYaml(dir)).toBe(after);
    const human = await runFn(['subscribe', '--broker', 'default', '--filter', 'type=com.example.order', '--path', dir], {env: NOWHERE});
    expect(human).toMatchObject({exitCode: 0, stdout: `Already subscribed: broker default, type=com.example.order (subscriptions[0], Trigger hello-default); ${join(dir, 'fn.yaml')} is unchanged`});
  });

  test.each([
    ['--filter without =', ['--filter', 'type'], 'INVALID_FILTER', 'Error: --filter "type" is not ATTRIBUTE=VALUE\nTry: e.g. --filter type=com.example.order'],
    ['an empty attribute', ['--filter', '=x'], 'INVALID_FILTER', 'Error: --filter "=x": filters has an empty attribute name\nTry: name the attribute, e.g. --filter type=x'],
    ['an empty value', ['--suffix', 'source='], 'INVALID_FILTER', 'Error: --suffix "source=": filters[0].suffix.source is empty: an empty value would match every event'],
    ['two --filter on one attribute', ['--filter', 'type=a', '--filter', 'type=b'], 'DUPLICATE_FILTER', 'Error: --filter "type=b" filters on "type" again (also --filter "type=a")'],
    ['a bad broker name', ['--broker', 'Orders_Broker'], 'INVALID_BROKER', 'Error: --broker "Orders_Broker" is not a broker name: it must be lowercase letters, digits and \'-\', starting and ending with a letter or digit\nTry: e.g. default'],
    ['a Trigger name taken', ['--filter', 'type=x', '--name', 'default'], 'DUPLICATE_SUBSCRIPTION', 'Error: --name "default": the subscription would be Trigger "hello-default", as subscriptions[0] is'],
  ])('refused, exit 2, fn.yaml unchanged: %s', async (_what, flags, code, message) => {
    const dir = await fnDir();
    const args = ['subscribe', ...(flags.includes('--broker') ? [] : ['--broker', 'default']), ...flags, '--path', dir];
    const r = await runFn(args, {env: NOWHERE});
    expectExit(r, 2);
    expect(r.stderr).toContain(message);
    expect(r.stdout).toBe('');
    const json = await runFnJson(args, {env: NOWHERE});
    expect({exit: json.exitCode, code: json.json.error.code}).toEqual({exit: 2, code});
    expect(await fnYaml(dir)).toBe(FN_YAML);
    expect(await readdir(dir)).toEqual(['fn.yaml']);
  });

  test('--broker is required; no fn.yaml is exit 8; an invalid fn.yaml is exit 2 at its line, untouched', async () => {
    const dir = await fnDir();
    expect((await runFn(['subscribe', '--filter', 'type=x', '--path', dir], {env: NOWHERE})).exitCode).toBe(2);
    const empty = await mkdtemp(join(tmpdir(), 'fn-subscribe-none-'));
    const none = await runFn(['subscribe', '--broker', 'default', '--path', empty], {env: NOWHERE});
    expectExit(none, 8);
    expect(none.stderr).toContain(`Error: no fn.yaml in ${empty}`);
    const invalid = `${FN_YAML}  - broker: default\n    filters: {Type: x}\n`;
    const bad = await fnDir(invalid);
    const r = await runFn(['subscribe', '--broker', 'default', '--path', bad], {env: NOWHERE});
    expectExit(r, 2);
    expect(r.stderr).toContain(`${join(bad, 'fn.yaml')}:11:15: subscriptions[1].filters.Type attribute "Type" is not a CloudEvents attribute name`);
    expect(await fnYaml(bad)).toBe(invalid);
  });
});

describe('fn unsubscribe', () => {
  const TWO = `${FN_YAML}  # refunds
  - broker: default
    filters: {type: com.example.refund}
`;

  test('removes the one that matches, keeping the others\' comments; --json lists it and the renamed Trigger', async () => {
    const dir = await fnDir(TWO);
    const r = await runFnJson(['unsubscribe', '--broker', 'default', '--filter', 'type=com.example.order', '--path', dir], {env: NOWHERE});
    expectExit(r, 0);
    expect(r.json).toEqual({
      removed: [{index: 0, trigger: 'hello-default', broker: 'default', filters: 'type=com.example.order', subscription: {broker: 'default', filters: {type: 'com.example.order'}}}],
      renamed: [{from: 'hello-default-2', to: 'hello-default'}],
      file: join(dir, 'fn.yaml'),
      written: true,
    });
    expect(await fnYaml(dir)).toBe(`# hello: a function
specVersion: 1
name: hello
runtime: node # node 20

# events
subscriptions:
  # refunds
  - broker: default
    filters: {type: com.example.refund}
`);
  });

  test('human output: what was removed, the renamed Trigger, the next step', async () => {
    const dir = await fnDir(TWO);
    const r = await runFn(['unsubscribe', '--name', 'default', '--path', dir], {env: NOWHERE});
    expectExit(r, 0);
    expect(r.stdout).toBe(
      `Removed from ${join(dir, 'fn.yaml')}: broker default, type=com.example.order (was subscriptions[0], Trigger hello-default)\nTrigger hello-default-2 becomes hello-default\nNext: fn deploy --path ${dir} deletes the Trigger`,
    );
  });

  test.each([
    ['several match', ['--broker', 'default'], 2, 'AMBIGUOUS_SUBSCRIPTION', 'Error: 2 subscriptions in'],
    ['nothing matches', ['--broker', 'default', '--filter', 'type=nope'], 8, 'SUBSCRIPTION_NOT_FOUND', 'Error: no subscription in'],
    ['no selector', [], 2, 'NO_SUBSCRIPTION_SELECTED', 'Error: which subscription? Pass --broker (and its filters) or --name'],
    ['a bad broker name', ['--broker', 'B'], 2, 'INVALID_BROKER', 'Error: --broker "B" is not a broker name'],
  ])('refused, fn.yaml unchanged: %s', async (_what, flags, exit, code, message) => {
    const dir = await fnDir(TWO);
    const r = await runFn(['unsubscribe', ...flags, '--path', dir], {env: NOWHERE});
    expect(r.exitCode).toBe(exit);
    expect(r.stderr).toContain(message);
    const json = await runFnJson(['unsubscribe', ...flags, '--path', dir], {env: NOWHERE});
    expect({exit: json.exitCode, code: json.json.error.code}).toEqual({exit, code});
    expect(await fnYaml(dir)).toBe(TWO);
  });

  test('--all removes every match', async () => {
    const dir = await fnDir(TWO);
    const r = await runFnJson(['unsubscribe', '--broker', 'default', '--all', '--path', dir], {env: NOWHERE});
    expectExit(r, 0);
    expect(r.json.removed.map((e: {trigger: string}) => e.trigger)).toEqual(['hello-default', 'hello-default-2']);
    expect(await fnYaml(dir)).toBe('# hello: a function\nspecVersion: 1\nname: hello\nruntime: node # node 20\n\n# events\nsubscriptions: []\n');
  });
});
