// The shared CloudEvents table (runtimes/conformance/cases.json) for jest tests: send one case to a
// running function, with the CloudEvents conformance tool or as a raw request, and read the status (and
// the {"error"} of a raw answer). The runtimes' own suites check every expectation against the echo
// function; this is for serving other functions (the templates) the same requests.
import {execa} from 'execa';
import {accessSync, constants, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {runtimesDir} from '../../src/paths.js';

export interface TableCase {
  name: string;
  send: {tool?: string[]; raw?: {method?: string; headers?: Record<string, string>; body?: string; bodyJson?: unknown; bodyBase64?: string}};
  expect: {status: number; error?: string};
}

const conformanceDir = join(runtimesDir, 'conformance');
export const tableCases: TableCase[] = JSON.parse(readFileSync(join(conformanceDir, 'cases.json'), 'utf8')).cases;

/** FN_CE_CONFORMANCE, else where install.sh puts it; missing → an error saying how to get it. */
export async function conformanceTool(): Promise<string> {
  const path = process.env.FN_CE_CONFORMANCE || (await execa('bash', [join(conformanceDir, 'install.sh'), '--print-path'])).stdout.trim();
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(`the CloudEvents conformance tool is not installed at ${path}: run \`bash runtimes/conformance/install.sh\` (scripts/setup.sh does)`);
  }
  return path;
}

/** status is a number, or '2xx' for a tool case that succeeded (the tool does not say which). */
export async function sendCase(url: string, c: TableCase, tool: string): Promise<{status: number | '2xx'; error?: string}> {
  if (c.send.tool) {
    const r = await execa(tool, ['send', url, ...c.send.tool], {reject: false});
    if (r.exitCode === 0) return {status: '2xx'};
    const got = /got (\d{3})/.exec(String(r.stderr));
    if (!got) throw new Error(`cloudevents send failed without an HTTP status: ${r.stderr}`);
    return {status: Number(got[1])};
  }
  const raw = c.send.raw!;
  const body = raw.bodyBase64 !== undefined ? Buffer.from(raw.bodyBase64, 'base64') : raw.bodyJson !== undefined ? JSON.stringify(raw.bodyJson) : raw.body;
  const res = await fetch(url, {method: raw.method ?? 'POST', headers: raw.headers ?? {}, body});
  const text = await res.text();
  let error: string | undefined;
  try {
    error = JSON.parse(text).error;
  } catch {
    // not an error answer
  }
  return {status: res.status, error};
}
