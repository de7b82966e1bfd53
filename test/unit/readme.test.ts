// The README's promises that code can check: its exit-code table is the one fn uses, and its first
// lines give the two commands (set up + main job, whole test suite), which point at real scripts.
import {describe, expect, test} from '@jest/globals';
import {existsSync, readFileSync} from 'node:fs';
import {ExitCode, exitCodeMeanings} from '../../src/core/errors.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  test.each(Object.entries(ExitCode))('documents exit code %s', (name, code) => {
    expect(readme).toContain(`| ${code} | ${exitCodeMeanings[name as keyof typeof ExitCode]} |`);
  });

  test('starts with the two commands, and their scripts exist', () => {
    const block = readme.split('```bash\n')[1].split('```')[0].trim().split('\n');
    expect(block).toHaveLength(2);
    expect(block[0]).toMatch(/^bash scripts\/setup\.sh && bash scripts\/demo\.sh/);
    expect(block[1]).toMatch(/^npm test/);
    for (const script of ['scripts/setup.sh', 'scripts/demo.sh', 'test/run-all.sh', '.ci/run']) {
      expect(existsSync(new URL(`../../${script}`, import.meta.url))).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(pkg.scripts.test).toBe('bash test/run-all.sh');
    expect(readFileSync(new URL('../../.ci/run', import.meta.url), 'utf8')).toMatch(/^npm test$/m);
  });
});
