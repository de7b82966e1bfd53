// fn subscribe / fn unsubscribe's core: fn.yaml edited through the yaml Document API. Golden files
// (test/unit/edit-golden: before.yaml → subscribe.after.yaml, unsubscribe.after.yaml; regenerate with
// UPDATE_GOLDEN=1 and review the diff) show what stays: comments, key order, blank lines, quoting, flow
// maps and the file's 4-space indentation. Every refusal names the flag and its value, and leaves the
// file as it was (editFunctionFile on a real temp folder).
import {describe, expect, test} from '@jest/globals';
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {chmod, lstat, mkdtemp, readFile, readdir, stat, symlink, writeFile} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {editFunctionFile, fnYamlEdit, formatOf} from '../../src/core/fn-yaml-edit.js';
import {parseFunction} from '../../src/core/function.js';
import {addSubscription, removeSubscriptions, type SubscribeFlags, type UnsubscribeFlags} from '../../src/core/subscription-edit.js';
import {fnError} from '../support/fn-error.js';

const GOLDEN = join(process.cwd(), 'test/unit/edit-golden');
const before = readFileSync(join(GOLDEN, 'before.yaml'), 'utf8');

const subscribe = (text: string, flags: SubscribeFlags) => addSubscription(fnYamlEdit(text, 'fn.yaml', 'subscriptions'), flags);
const unsubscribe = (text: string, flags: UnsubscribeFlags) => removeSubscriptions(fnYamlEdit(text, 'fn.yaml', 'subscriptions'), flags);

function golden(name: string, text: string): void {
  const file = join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN || !existsSync(file)) writeFileSync(file, text);
  expect(text).toBe(readFileSync(file, 'utf8'));
}

/** The lines of `after` that are not in `before`, when `after` is `before` with lines inserted (undefined otherwise). */
function inserted(beforeText: string, afterText: string): string[] | undefined {
  const [a, b] = [beforeText.split('\n'), afterText.split('\n')];
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  let j = 0;
  while (j < a.length - i && a[a.length - 1 - j] === b[b.length - 1 - j]) j++;
  return i + j === a.length ? b.slice(i, b.length - j) : undefined;
}

const MINIMAL = 'specVersion: 1\nname: hello\nruntime: node\n';

describe('fn subscribe: the edit', () => {
  test('golden: a list-form subscription with a name goes after the others; every other byte stays', () => {
    const r = subscribe(before, {broker: 'default', name: 'refunds', filter: ['source=/shop'], prefix: ['type=com.example.refund.'], suffix: ['subject=.pdf']});
    golden('subscribe.after.yaml', r.text!);
    expect(inserted(before, r.text!)).toEqual([
      '    - broker: default',
      '      name: refunds',
      '      filters:',
      '          - exact: {source: /shop}',
      '          - prefix: {type: com.example.refund.}',
      '          - suffix: {subject: .pdf}',
    ]);
    expect(r.result).toEqual({
      added: true,
      index: 2,
      trigger: 'orders-refunds',
      broker: 'default',
      filters: 'source=/shop type=com.example.refund.* subject=*.pdf',
      subscription: {broker: 'default', name: 'refunds', filters: [{exact: {source: '/shop'}}, {prefix: {type: 'com.example.refund.'}}, {suffix: {subject: '.pdf'}}]},
    });
    expect(parseFunction(r.text!).subscriptions).toEqual(r.expected);
  });

  test('only --filter: the map form, in flow style; the Trigger gets the broker\'s next default name', () => {
    const r = subscribe(before, {broker: 'default', filter: ['type=com.example.order.cancelled', 'source=/shop']});
    expect(inserted(before, r.text!)).toEqual(['    - broker: default', '      filters: {type: com.example.order.cancelled, source: /shop}']);
    expect(r.result).toMatchObject({added: true, index: 2, trigger: 'orders-default-2', filters: 'type=com.example.order.cancelled source=/shop'});
  });

  test('no filter at all: every event of the broker', () => {
    const r = subscribe(MINIMAL, {broker: 'audit'});
    expect(r.text).toBe(`${MINIMAL}subscriptions:\n  - broker: audit\n`);
    expect(r.result).toMatchObject({trigger: 'hello-audit', filters: '(all events)'});
  });

  test('no subscriptions yet: a block list at the end; `subscriptions: []` becomes one (its comment kept, after it)', () => {
    expect(subscribe(MINIMAL, {broker: 'default', filter: ['type=a']}).text).toBe(`${MINIMAL}subscriptions:\n  - broker: default\n    filters: {type: a}\n`);
    expect(subscribe(`${MINIMAL}subscriptions: [] # none yet\nlabels: {a: b}\n`, {broker: 'default', filter: ['type=a']}).text).toBe(
      `${MINIMAL}subscriptions:\n  - broker: default\n    filters: {type: a}\n  # none yet\nlabels: {a: b}\n`,
    );
  });

  test('the file\'s layout: unindented lists stay unindented, 4 spaces stay 4, CRLF stays CRLF', () => {
    const flat = `${MINIMAL}env:\n- {name: A, value: x}\nsubscriptions:\n- broker: a\n`;
    expect(subscribe(flat, {broker: 'b'}).text).toBe(`${flat}- broker: b\n`);
    expect(formatOf(before, 'subscriptions')).toEqual({indent: 4, indentSeq: true, crlf: false});
    expect(formatOf(flat, 'subscriptions')).toMatchObject({indentSeq: false});
    const crlf = MINIMAL.replace(/\n/g, '\r\n');
    expect(subscribe(crlf, {broker: 'b'}).text).toBe(`${crlf}subscriptions:\r\n  - broker: b\r\n`);
  });

  test('values YAML would read as something else are quoted, and read back as the strings given', () => {
    const r = subscribe(MINIMAL, {broker: 'default', filter: ['type=true', 'source=*', 'subject=a: b, {c}', 'id=#1', 'time=007']});
    expect(parseFunction(r.text!).subscriptions).toEqual([{broker: 'default', filters: {type: 'true', source: '*', subject: 'a: b, {c}', id: '#1', time: '007'}}]);
  });

  test.each([
    ['the same filters in another order', {broker: 'default', filter: ['source=/shop', 'type=com.example.order.created']}, 0],
    ['the map form as --filter in the list form\'s words', {broker: 'default', prefix: ['type=com.example.payment.']}, 1],
    ['with another --name', {broker: 'default', name: 'other', filter: ['type=com.example.order.created', 'source=/shop']}, 0],
  ])('already there (%s): not added, nothing to write', (_what, flags, index) => {
    const r = subscribe(before, flags as SubscribeFlags);
    expect(r.text).toBeUndefined();
    expect(r.result).toMatchObject({added: false, index});
  });

  test('the delivery flags write the subscription\'s delivery, read back as given; the same delivery again is already there', () => {
    const flags: SubscribeFlags = {broker: 'default', filter: ['type=a'], retry: 3, 'backoff-policy': 'exponential', 'backoff-delay': '500ms', 'dead-letter-sink': 'dead-letters'};
    const r = subscribe(MINIMAL, flags);
    expect(r.text).toBe(`${MINIMAL}subscriptions:\n  - broker: default\n    filters: {type: a}\n    delivery:\n      retry: 3\n      backoffPolicy: exponential\n      backoffDelay: 500ms\n      deadLetterSink: dead-letters\n`);
    expect(parseFunction(r.text!).subscriptions).toEqual([{broker: 'default', filters: {type: 'a'}, delivery: {retry: 3, backoffPolicy: 'exponential', backoffDelay: '500ms', deadLetterSink: 'dead-letters'}}]);
    expect(subscribe(r.text!, flags).result.added).toBe(false);
  });

  test('the same broker and filters with another delivery: refused, naming the subscription to edit', () => {
    const text = `${MINIMAL}subscriptions:\n  - broker: default\n    filters: {type: a}\n`;
    const error = fnError(() => subscribe(text, {broker: 'default', filter: ['type=a'], retry: 2}));
    expect({code: error.code, exit: error.exitCode}).toEqual({code: 'DUPLICATE_SUBSCRIPTION', exit: 2});
    expect(error.message).toBe('subscriptions[0] (Trigger hello-default) already subscribes to broker default with these filters, with another delivery');
    expect(error.suggestion).toBe('edit subscriptions[0].delivery in fn.yaml, or fn unsubscribe it first');
  });

  test('an exact list filter and a --filter map mean the same', () => {
    const text = `${MINIMAL}subscriptions:\n  - broker: b\n    filters: [{exact: {type: a, source: s}}]\n`;
    expect(subscribe(text, {broker: 'b', filter: ['source=s', 'type=a']}).result.added).toBe(false);
    expect(subscribe(text, {broker: 'b', filter: ['type=a']}).result.added).toBe(true);
  });
});

describe('fn subscribe: refusals name the flag, the value and what is accepted (exit 2)', () => {
  test.each([
    ['--filter without =', {filter: ['type']}, 'INVALID_FILTER', '--filter "type" is not ATTRIBUTE=VALUE', 'e.g. --filter type=com.example.order'],
    ['--prefix without =', {prefix: ['type']}, 'INVALID_FILTER', '--prefix "type" is not ATTRIBUTE=VALUE', 'e.g. --prefix type=com.example.'],
    ['an empty attribute', {filter: ['=com.example.a']}, 'INVALID_FILTER', '--filter "=com.example.a": filters has an empty attribute name', 'name the attribute, e.g. --filter type=com.example.a'],
    ['an empty attribute in the list form', {filter: ['type=a'], suffix: ['=x']}, 'INVALID_FILTER', '--suffix "=x": filters[1].suffix has an empty attribute name', 'name the attribute, e.g. --suffix type=x'],
    ['an empty value', {filter: ['type=']}, 'INVALID_FILTER', '--filter "type=": filters.type is empty: an empty value would match every event', 'remove type to match every value, or give the value to match'],
    ['an empty --prefix value', {prefix: ['type=']}, 'INVALID_FILTER', '--prefix "type=": filters[0].prefix.type is empty', 'remove type'],
    ['an attribute that is no CloudEvents name', {filter: ['Event-Type=a']}, 'INVALID_FILTER', '--filter "Event-Type=a": filters.Event-Type attribute "Event-Type" is not a CloudEvents attribute name: lower-case letters and digits, starting with a letter', 'use "eventtype"'],
    ['two --filter on one attribute (func#2572 keeps one)', {filter: ['type=a', 'source=s', 'type=b']}, 'DUPLICATE_FILTER', '--filter "type=b" filters on "type" again (also --filter "type=a"): an event has one type', '--prefix type='],
    ['two --filter on one attribute beside a --prefix', {filter: ['type=a', 'type=b'], prefix: ['source=/']}, 'DUPLICATE_FILTER', '--filter "type=b" filters on "type" again', 'subscribe once per value'],
    ['a bad broker name', {broker: 'My_Broker'}, 'INVALID_BROKER', '--broker "My_Broker" is not a broker name: it must be lowercase letters, digits and \'-\'', 'e.g. default'],
    ['a broker name over 63 characters', {broker: 'b'.repeat(64)}, 'INVALID_BROKER', 'is 64 characters long; at most 63 are allowed', 'e.g. default'],
    ['a bad name', {name: 'Orders'}, 'INVALID_NAME', '--name "Orders" must be lowercase letters', 'e.g. --name orders'],
    ['a --backoff-delay without a unit', {filter: ['type=x'], retry: 3, 'backoff-delay': '2'}, 'INVALID_DELIVERY', '--backoff-delay "2": delivery.backoffDelay "2" is not a delay', 'e.g. --backoff-delay 1s'],
    ['a back-off without --retry', {filter: ['type=x'], 'backoff-policy': 'linear'}, 'INVALID_DELIVERY', '--retry: delivery sets a back-off but no retry', 'add --retry 3'],
    ['a --dead-letter-sink that is no sink', {filter: ['type=x'], 'dead-letter-sink': 'svc:x'}, 'INVALID_DELIVERY', '--dead-letter-sink "svc:x": delivery.deadLetterSink "svc:x" is not a sink', 'e.g. --dead-letter-sink dead-letters'],
    ['the function as its own dead-letter sink', {filter: ['type=x'], 'dead-letter-sink': 'orders'}, 'INVALID_DELIVERY', 'is the function itself', 'name another function'],
    ['a --name whose Trigger exists', {name: 'payments', filter: ['type=x']}, 'DUPLICATE_SUBSCRIPTION', '--name "payments": the subscription would be Trigger "orders-payments", as subscriptions[1] is', 'pass another --name'],
  ])('%s', (_what, flags, code, message, suggestion) => {
    const error = fnError(() => subscribe(before, {broker: 'default', ...flags} as SubscribeFlags));
    expect({code: error.code, exit: error.exitCode}).toEqual({code, exit: 2});
    expect(error.message).toContain(message);
    expect(error.suggestion).toContain(suggestion);
  });

  test('a default Trigger name another subscription has taken: the broker is named, --name suggested', () => {
    const text = `${MINIMAL}subscriptions:\n  - broker: other\n    name: default\n`;
    const error = fnError(() => subscribe(text, {broker: 'default'}));
    expect(error.message).toBe('--broker "default": the subscription would be Trigger "hello-default", as subscriptions[0] is');
    expect(error.suggestion).toBe('give it a name of its own, e.g. --name default-events');
  });

  test('an fn.yaml that is already invalid is reported as it is, at its line', () => {
    const error = fnError(() => subscribe(`${MINIMAL}subscriptions:\n  - broker: Bad\n`, {broker: 'default'}));
    expect(error.message).toMatch(/^fn\.yaml:5:13: subscriptions\[0\]\.broker "Bad" is not a broker name/);
  });
});

describe('fn unsubscribe: the edit', () => {
  test('golden: the first subscription removed with the comment above it; the others\' comments stay', () => {
    const r = unsubscribe(before, {broker: 'default', filter: ['source=/shop', 'type=com.example.order.created']});
    golden('unsubscribe.after.yaml', r.text!);
    expect(inserted(r.text!, before)).toEqual(['    # new orders', '    - broker: default', '      filters: {type: com.example.order.created, source: /shop}']);
    expect(r.result.removed).toEqual([
      {index: 0, trigger: 'orders-default', broker: 'default', filters: 'type=com.example.order.created source=/shop', subscription: {broker: 'default', filters: {type: 'com.example.order.created', source: '/shop'}}},
    ]);
    expect(r.result.renamed).toEqual([]);
  });

  test.each([
    ['its name', {name: 'payments'}],
    ['its Trigger\'s name', {name: 'orders-payments'}],
    ['broker and filters, list form', {broker: 'default', prefix: ['type=com.example.payment.']}],
  ])('by %s', (_what, flags) => {
    const r = unsubscribe(before, flags);
    expect(r.result.removed.map((e) => e.trigger)).toEqual(['orders-payments']);
    expect(parseFunction(r.text!).subscriptions).toEqual([{broker: 'default', filters: {type: 'com.example.order.created', source: '/shop'}}]);
    expect(r.text).toContain('# new orders');
  });

  const three = `${MINIMAL}subscriptions:\n  - broker: default\n    filters: {type: a}\n  # b events\n  - broker: default\n    filters: {type: b}\n  - broker: other\n`;

  test('a default name that moves up is reported; --name takes the part after "<function>-"', () => {
    const r = unsubscribe(three, {name: 'default'});
    expect(r.result.removed.map((e) => e.trigger)).toEqual(['hello-default']);
    expect(r.result.renamed).toEqual([{from: 'hello-default-2', to: 'hello-default'}]);
    expect(r.text).toBe(`${MINIMAL}subscriptions:\n  # b events\n  - broker: default\n    filters: {type: b}\n  - broker: other\n`);
  });

  test('several match: exit 2 listing them and how to pick one; --all removes them all', () => {
    const error = fnError(() => unsubscribe(three, {broker: 'default'}));
    expect({code: error.code, exit: error.exitCode}).toEqual({code: 'AMBIGUOUS_SUBSCRIPTION', exit: 2});
    expect(error.message).toBe('2 subscriptions in fn.yaml match --broker default: subscriptions[0] (Trigger hello-default): broker default, type=a; subscriptions[1] (Trigger hello-default-2): broker default, type=b');
    expect(error.suggestion).toBe('pick one with --name (e.g. fn unsubscribe --name hello-default), give its filters too, or remove them all with --all');
    const r = unsubscribe(three, {broker: 'default', all: true});
    expect(r.result.removed.map((e) => e.index)).toEqual([0, 1]);
    expect(r.text).toBe(`${MINIMAL}subscriptions:\n  - broker: other\n`);
  });

  test('the last one removed: an empty list', () => {
    expect(unsubscribe(three, {broker: 'other'}).text).toContain('filters: {type: b}\n');
    const one = `${MINIMAL}subscriptions:\n  - broker: other\nlabels: {a: b}\n`;
    expect(unsubscribe(one, {broker: 'other'}).text).toBe(`${MINIMAL}subscriptions: []\nlabels: {a: b}\n`);
  });

  test('nothing matches: exit 8 naming what is there', () => {
    const error = fnError(() => unsubscribe(three, {broker: 'default', filter: ['type=c']}));
    expect({code: error.code, exit: error.exitCode}).toEqual({code: 'SUBSCRIPTION_NOT_FOUND', exit: 8});
    expect(error.message).toBe(
      'no subscription in fn.yaml matches --broker default --filter type=c; it has subscriptions[0] (Trigger hello-default): broker default, type=a; subscriptions[1] (Trigger hello-default-2): broker default, type=b; subscriptions[2] (Trigger hello-other): broker other, (all events)',
    );
    expect(fnError(() => unsubscribe(MINIMAL, {name: 'x'})).message).toBe('no subscription in fn.yaml matches --name x; it has none');
  });

  test.each([
    ['neither --broker nor --name', {}, 'NO_SUBSCRIPTION_SELECTED', 'which subscription? Pass --broker (and its filters) or --name'],
    ['a bad broker name', {broker: 'A'}, 'INVALID_BROKER', '--broker "A" is not a broker name'],
    ['a bad name', {name: 'A'}, 'INVALID_NAME', '--name "A" must be lowercase'],
    ['--filter without =', {broker: 'default', filter: ['x']}, 'INVALID_FILTER', '--filter "x" is not ATTRIBUTE=VALUE'],
    ['two --filter on one attribute', {broker: 'default', filter: ['type=a', 'type=b']}, 'DUPLICATE_FILTER', '--filter "type=b" filters on "type" again'],
  ])('refused (exit 2): %s', (_what, flags, code, message) => {
    const error = fnError(() => unsubscribe(three, flags));
    expect({code: error.code, exit: error.exitCode}).toEqual({code, exit: 2});
    expect(error.message).toContain(message);
  });
});

describe('editFunctionFile: the write', () => {
  async function folder(text: string): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'fn-edit-'));
    await writeFile(join(dir, 'fn.yaml'), text);
    return dir;
  }

  test('writes through a temp file it then renames: the mode stays, no temp file is left', async () => {
    const dir = await folder(before);
    await chmod(join(dir, 'fn.yaml'), 0o640);
    const r = await editFunctionFile(dir, 'subscriptions', (edit) => addSubscription(edit, {broker: 'audit'}));
    expect(r).toMatchObject({added: true, written: true, file: join(dir, 'fn.yaml')});
    expect(await readFile(join(dir, 'fn.yaml'), 'utf8')).toBe(`${before.replace(/\n\nschedules:/, '\n    - broker: audit\n\nschedules:')}`);
    expect((await stat(join(dir, 'fn.yaml'))).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(['fn.yaml']);
  });

  test('a symlinked fn.yaml stays a symlink; its target is changed', async () => {
    const dir = await folder(MINIMAL);
    const link = await mkdtemp(join(tmpdir(), 'fn-edit-link-'));
    await symlink(join(dir, 'fn.yaml'), join(link, 'fn.yaml'));
    await editFunctionFile(link, 'subscriptions', (edit) => addSubscription(edit, {broker: 'b'}));
    expect((await lstat(join(link, 'fn.yaml'))).isSymbolicLink()).toBe(true);
    expect(await readFile(join(dir, 'fn.yaml'), 'utf8')).toContain('- broker: b');
  });

  test('refused edits write nothing: a bad flag, an edit that would change another key, a file changed meanwhile', async () => {
    const dir = await folder(before);
    const file = join(dir, 'fn.yaml');
    await expect(editFunctionFile(dir, 'subscriptions', (edit) => addSubscription(edit, {broker: 'default', filter: ['type=a', 'type=b']}))).rejects.toMatchObject({code: 'DUPLICATE_FILTER'});
    await expect(
      editFunctionFile(dir, 'subscriptions', (edit) => {
        edit.doc.setIn(['runtime'], 'python');
        return addSubscription(edit, {broker: 'audit'});
      }),
    ).rejects.toMatchObject({code: 'FN_YAML_EDIT_MISMATCH', exitCode: 1});
    await expect(
      editFunctionFile(dir, 'subscriptions', (edit) => {
        writeFileSync(file, `${before}# someone else\n`);
        return addSubscription(edit, {broker: 'audit'});
      }),
    ).rejects.toMatchObject({code: 'FN_YAML_CHANGED', exitCode: 3});
    expect(await readFile(file, 'utf8')).toBe(`${before}# someone else\n`);
    expect(await readdir(dir)).toEqual(['fn.yaml']);
  });

  test('an equal subscription: nothing written', async () => {
    const dir = await folder(before);
    const {mtimeMs} = await stat(join(dir, 'fn.yaml'));
    const r = await editFunctionFile(dir, 'subscriptions', (edit) => addSubscription(edit, {broker: 'default', name: 'payments', prefix: ['type=com.example.payment.']}));
    expect(r).toMatchObject({added: false, written: false, index: 1});
    expect((await stat(join(dir, 'fn.yaml'))).mtimeMs).toBe(mtimeMs);
  });

  test('no fn.yaml: NO_FUNCTION (exit 8)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fn-edit-none-'));
    await expect(editFunctionFile(dir, 'subscriptions', (edit) => addSubscription(edit, {broker: 'b'}))).rejects.toMatchObject({code: 'NO_FUNCTION', exitCode: 8});
    expect(readdirSync(dir)).toEqual([]);
  });
});
