// SHA-256 for names and hashes fn derives from text. node:crypto is required on first use, not
// imported: loading it is ~3 ms (17 internal modules) of every command that imports these modules,
// fn init and fn templates among them, which never hash anything.
import {createRequire} from 'node:module';

const require = createRequire(import.meta.url);

/** The hex SHA-256 of text (UTF-8). */
export function sha256Hex(text: string): string {
  return (require('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(text).digest('hex');
}
