// SHA-256 for names and hashes fn derives from text. node:crypto is fetched on first use
// (process.getBuiltinModule, Node 20.16+), not imported: loading it is ~3 ms (17 internal modules) of
// every command that imports these modules, fn init and fn templates among them, which hash nothing.

/** The hex SHA-256 of text (UTF-8). */
export function sha256Hex(text: string): string {
  return process.getBuiltinModule('node:crypto').createHash('sha256').update(text).digest('hex');
}
