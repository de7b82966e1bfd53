// Where a function's source comes from, for the image's OCI labels: the git remote, commit and its time when
// the folder is in a git work tree (nothing otherwise; never an error).
import {execFile} from 'node:child_process';
import type {SourceInfo} from '../../core/build.js';

function git(dir: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('git', args, {cwd: dir, timeout: 5000}, (error, stdout) => resolve(error ? undefined : stdout.trim() || undefined));
  });
}

/** A remote URL without credentials (https://user:token@host/… → https://host/…). */
export function publicUrl(url: string): string {
  return url.replace(/^([a-z+]+:\/\/)[^@/]+@/i, '$1');
}

export async function sourceInfo(dir: string): Promise<SourceInfo> {
  // Two processes, not three: the commit and its time from one log (each spawn is ~8 ms of CPU).
  const [remote, commit] = await Promise.all([git(dir, ['config', '--get', 'remote.origin.url']), git(dir, ['log', '-1', '--format=%H%n%cI'])]);
  const [revision, time] = commit?.split('\n') ?? [];
  return {source: remote ? publicUrl(remote) : undefined, revision: revision || undefined, time: time || undefined};
}
