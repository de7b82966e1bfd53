// Progress for humans on stderr. Nothing decorative when stderr is not a TTY; nothing at all with --json.
import type {Progress} from '../core/ports.js';

export function stderrProgress(options: {verbose?: boolean; quiet?: boolean} = {}): Progress {
  const tty = Boolean(process.stderr.isTTY) && !process.env.CI;
  const write = (prefix: string, message: string) => {
    if (!options.quiet) process.stderr.write(`${tty ? prefix : ''}${message}\n`);
  };
  return {
    step: (m) => write('› ', m),
    info: (m) => write('  ', m),
    warn: (m) => process.stderr.write(`${options.quiet ? '' : 'Warning: '}${m}\n`),
    detail: (m) => {
      if (options.verbose) write('  │ ', m);
    },
  };
}
