// Target platforms of a build: `--platform linux/amd64` or a list, `linux/amd64,linux/arm64` (fn.yaml
// build.platform alike), as OCI image indexes name them (os, architecture, variant).
import {FnError} from './errors.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

const PLATFORM = /^([a-z0-9]+)\/([a-z0-9_]+)(?:\/([a-z0-9]+))?$/;

/** `linux/arm64/v8` → {os, architecture, variant}. */
export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

/** One or several platforms, comma-separated, each OS/ARCH[/VARIANT]; duplicates refused. */
export function parsePlatforms(value: string, field = '--platform'): Platform[] {
  const out: Platform[] = [];
  for (const part of value.split(',').map((s) => s.trim())) {
    const m = part.match(PLATFORM);
    if (!m) {
      throw new FnError('INVALID_PLATFORM', 'usage', `${field} "${value}" is not OS/ARCH[/VARIANT] (or a comma-separated list of them)`, {
        suggestion: 'e.g. --platform linux/amd64, or --platform linux/amd64,linux/arm64 (with --builder host)',
        details: {field, value},
      });
    }
    const p: Platform = {os: m[1], architecture: m[2], ...(m[3] ? {variant: m[3]} : {})};
    if (out.some((q) => samePlatform(p, q))) {
      throw new FnError('INVALID_PLATFORM', 'usage', `${field} "${value}" names ${part} twice`, {suggestion: 'name each platform once', details: {field, value}});
    }
    out.push(p);
  }
  return out;
}

/** arm64's variant v8 is its default, as containerd's platform matching treats it. */
function normalVariant(p: Platform): string | undefined {
  return p.architecture === 'arm64' && p.variant === 'v8' ? undefined : p.variant;
}

export function samePlatform(a: Platform, b: Platform): boolean {
  return a.os === b.os && a.architecture === b.architecture && normalVariant(a) === normalVariant(b);
}

/** Node's process.arch as OCI names it (x64 → amd64); undefined for ones images do not use. */
export function ociArchitecture(nodeArch: string): string | undefined {
  return ({x64: 'amd64', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', ia32: '386'} as Record<string, string>)[nodeArch];
}
