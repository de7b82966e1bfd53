#!/usr/bin/env node
// `fn --version` and `fn --help` are the commands people and scripts run most; loading oclif costs
// ~3× a bare `node` start. Both answers are known at build time (the root help is rendered by oclif
// itself into dist/root-help.txt by `npm run build`), so answer them from files, then fall back to oclif.
import {readFileSync} from 'node:fs'

const args = process.argv.slice(2)
if (!process.env.FN_NO_FAST_PATH && args.length <= 1) {
  const arg = args[0]
  if (arg === '--version') {
    const {name, version} = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
    process.stdout.write(`${name}/${version} ${process.platform}-${process.arch} node-${process.version}\n`)
    process.exit(0)
  }
  if (arg === undefined || arg === '--help' || arg === '-h' || arg === 'help') {
    try {
      process.stdout.write(readFileSync(new URL('../dist/root-help.txt', import.meta.url), 'utf8'))
      process.exit(0)
    } catch {
      // not built with the cached help: let oclif render it
    }
  }
}

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
