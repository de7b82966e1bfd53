// The OCI labels' source facts, read from a real git work tree with the git binary.
import {describe, expect, test} from '@jest/globals';
import {execFileSync} from 'node:child_process';
import {mkdtempSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {sourceInfo} from '../../src/adapters/git/source-info.js';

const git = (dir: string, ...args: string[]) => execFileSync('git', args, {cwd: dir, encoding: 'utf8', env: {...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir}}).trim();

describe('sourceInfo', () => {
  test('in a work tree: the remote without its credentials, the commit and its time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fn-source-'));
    git(dir, 'init', '-q');
    writeFileSync(join(dir, 'f.txt'), 'x');
    git(dir, 'add', 'f.txt');
    git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.test', 'commit', '-qm', 'one', '--date', '2026-01-02T03:04:05Z');
    git(dir, 'remote', 'add', 'origin', 'https://user:token@git.example.test/team/fn.git');
    const info = await sourceInfo(dir);
    expect(info).toEqual({source: 'https://git.example.test/team/fn.git', revision: git(dir, 'rev-parse', 'HEAD'), time: git(dir, 'log', '-1', '--format=%cI')});
    expect(info.revision).toMatch(/^[0-9a-f]{40}$/);
  });

  test('a work tree with no commit yet, and a folder outside any: nothing, and no error', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'fn-source-'));
    git(fresh, 'init', '-q');
    expect(await sourceInfo(fresh)).toEqual({source: undefined, revision: undefined, time: undefined});
    expect(await sourceInfo('/')).toEqual({source: undefined, revision: undefined, time: undefined});
  });
});
