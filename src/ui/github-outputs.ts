// In a GitHub Actions step ($GITHUB_OUTPUT set), fn deploy and fn rollout hand their results to the
// next steps as step outputs (url, revision, image, tag URLs) and write a line to the job summary
// ($GITHUB_STEP_SUMMARY), so a workflow needs no jq over --json.
import {appendFileSync} from 'node:fs';
import type {TagUrl, TrafficTarget} from '../core/traffic.js';
import {describeTraffic} from '../core/traffic.js';

export interface PipelineResult {
  service: string;
  namespace: string;
  url?: string;
  revision?: string;
  image?: string;
  tags: TagUrl[];
  traffic: TrafficTarget[];
}

/** Output names: tag "v2" → tag-v2-url. */
export function githubOutputs(result: PipelineResult): Record<string, string> {
  const out: Record<string, string> = {service: result.service, namespace: result.namespace};
  if (result.url) out.url = result.url;
  if (result.revision) out.revision = result.revision;
  if (result.image) out.image = result.image;
  for (const t of result.tags) if (t.url) out[`tag-${t.tag}-url`] = t.url;
  out.traffic = describeTraffic(result.traffic);
  return out;
}

/** Appends the outputs and a summary line when GitHub Actions gives the files; does nothing elsewhere. */
export function writeGithubOutputs(result: PipelineResult, verb: string, env: NodeJS.ProcessEnv = process.env): void {
  if (env.GITHUB_OUTPUT) {
    // Values are single lines (names, URLs, digests): the plain name=value form is enough.
    const lines = Object.entries(githubOutputs(result)).map(([k, v]) => `${k}=${v.replace(/[\r\n]+/g, ' ')}`);
    appendFileSync(env.GITHUB_OUTPUT, `${lines.join('\n')}\n`);
  }
  if (env.GITHUB_STEP_SUMMARY) {
    const tags = result.tags.filter((t) => t.url).map((t) => `[${t.tag}](${t.url})`).join(', ');
    const row = [`\`${result.service}\``, result.namespace, result.url ? `[${result.url}](${result.url})` : '', result.revision ?? '', describeTraffic(result.traffic), tags, result.image ? `\`${result.image}\`` : ''];
    appendFileSync(env.GITHUB_STEP_SUMMARY, `### fn ${verb}\n\n| function | namespace | URL | revision | traffic | tags | image |\n|---|---|---|---|---|---|---|\n| ${row.join(' | ')} |\n\n`);
  }
}
