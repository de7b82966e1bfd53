// Replace (or append) one section of bench/RESULTS.md, so that each benchmark owns its section.
// Usage: node bench/update-results.mjs <section-id> <markdown-file>
import {existsSync, readFileSync, writeFileSync} from 'node:fs';

const [id, file] = process.argv.slice(2);
if (!id || !file) {
  console.error('usage: node bench/update-results.mjs <section-id> <markdown-file>');
  process.exit(2);
}
const results = new URL('./RESULTS.md', import.meta.url);
const begin = `<!-- bench:${id} -->`;
const end = `<!-- /bench:${id} -->`;
const section = `${begin}\n${readFileSync(file, 'utf8').trim()}\n${end}`;
let text = existsSync(results) ? readFileSync(results, 'utf8') : '# Benchmark results\n\nEach section is written by the command it names; rerun that command to refresh it.\n';
const at = text.indexOf(begin);
text = at >= 0 ? text.slice(0, at) + section + text.slice(text.indexOf(end) + end.length) : `${text.trimEnd()}\n\n${section}\n`;
writeFileSync(results, text);
