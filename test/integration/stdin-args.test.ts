// Arguments come from the command line only: oclif would read a missing argument from piped stdin
// (and wait 10 ms for it when nothing is piped), so in a pipeline `fn describe` took its input as the
// function's name. fn's commands turn that off for every argument (ui/base-command.ts).
import {describe, expect, test} from '@jest/globals';
import {mkdtemp} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {runFn, expectExit} from '../support/cli.js';
import {fakeKubeApi} from '../unit/fake-kube-api.js';

describe('arguments and stdin', () => {
  test('piped stdin is not taken for a missing argument: fn describe asks for fn.yaml\'s function', async () => {
    const api = await fakeKubeApi();
    try {
      const folder = join(await mkdtemp(join(tmpdir(), 'fn-stdin-')), 'probe');
      expect((await runFn(['init', folder, '--runtime', 'node'])).exitCode).toBe(0);
      const r = await runFn(['describe', '--namespace', 'team'], {cwd: folder, input: 'from-stdin\n', stdin: 'pipe', env: {KUBECONFIG: api.kubeconfig}});
      expectExit(r, 8);
      expect(api.requests.join('\n')).toContain('/namespaces/team/services/probe');
      expect(api.requests.join('\n')).not.toContain('from-stdin');
    } finally {
      await api.close();
    }
  });
});
