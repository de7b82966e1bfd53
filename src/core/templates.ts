// The template catalogue: <root>/<runtime>/<template>/ with a small manifest.yaml describing it.
import {readdir, readFile} from 'node:fs/promises';
import {join} from 'node:path';
import {parse} from 'yaml';

export interface TemplateInfo {
  runtime: string;
  template: string;
  description: string;
  dir: string;
}

export const TEMPLATE_MANIFEST = 'manifest.yaml';

async function subdirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, {withFileTypes: true})).filter((d) => d.isDirectory() && !d.name.startsWith('.')).map((d) => d.name).sort();
  } catch {
    return [];
  }
}

export async function listTemplates(root: string): Promise<TemplateInfo[]> {
  const result: TemplateInfo[] = [];
  for (const runtime of await subdirs(root)) {
    for (const template of await subdirs(join(root, runtime))) {
      const dir = join(root, runtime, template);
      let description = '';
      try {
        description = String(parse(await readFile(join(dir, TEMPLATE_MANIFEST), 'utf8'))?.description ?? '');
      } catch {
        // a template without a manifest is still usable
      }
      result.push({runtime, template, description, dir});
    }
  }
  return result;
}

/** Placeholders a template's text files may use; replaced when the project is written. */
export function renderTemplateText(text: string, values: {name: string}): string {
  return text.replaceAll('{{fn.name}}', values.name);
}
