// fn invoke --broker's flags as a user types them (bin/run.js), with no cluster anywhere: a refused
// combination is exit 2 naming the flags (oclif's "The following error occurred:" heading alone named
// nothing), a bad broker name is exit 2, and --type/--source/--id go with --broker as with --cloudevent.
// Needs `npm run build`.
import {describe, expect, test} from '@jest/globals';
import {runFn, runFnJson, expectExit} from '../support/cli.js';

const NOWHERE = {KUBECONFIG: '/nonexistent/kubeconfig', FN_INGRESS: ''};

describe('fn invoke --broker: flags', () => {
  test.each([
    ['--broker with --target', ['--broker', 'default', '--target', 'http://127.0.0.1:9'], 'Error: --target=http://127.0.0.1:9 cannot also be provided when using --broker'],
    ['--broker with --method', ['--broker', 'default', '-X', 'PUT'], 'Error: --method=PUT cannot also be provided when using --broker'],
    ['--type without --cloudevent or --broker', ['--type', 'com.example.x'], 'Error: One of the following must be provided when using --type: --cloudevent, --broker'],
    ['a --broker that is no broker name', ['--broker', 'default.broker'], 'Error: --broker "default.broker" is not a broker name: it must be lowercase letters, digits and \'-\', starting and ending with a letter or digit\nTry: e.g. default'],
  ])('%s: exit 2 naming the flags, no cluster contacted', async (_what, args, message) => {
    const r = await runFn(['invoke', ...args], {env: NOWHERE});
    expectExit(r, 2);
    expect(r.stderr).toContain(message);
  });

  test('--broker takes --type, --source and --id without --cloudevent: it goes on to the cluster (here: none, exit 7)', async () => {
    const r = await runFnJson(['invoke', '--broker', 'default', '--type', 'com.example.x', '--source', '/here', '--id', 'e1', '-n', 'team'], {env: NOWHERE});
    expect({exit: r.exitCode, code: r.json.error.code}).toMatchObject({exit: 7});
  });
});
