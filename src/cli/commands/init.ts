/**
 * `mmx init [FILE] [--template NAME]`: writes a starter config for a modality mix (src/cli/init-templates.ts),
 * with a `$schema` line that points at this installation's JSON Schema by a path relative to FILE, so that
 * editors with the YAML language server complete and check it.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { suggestion } from '../../config/did-you-mean.js';
import { DEFAULT_TEMPLATE, initTemplates, type InitTemplate } from '../init-templates.js';
import { UsageError } from '../user-errors.js';

/** schemas/experiment.schema.json of this installation (src/cli/commands/ and dist/cli/commands/ alike). */
export const schemaFile = (): string =>
  path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schemas', 'experiment.schema.json');

export function findTemplate(name: string): InitTemplate {
  const found = initTemplates.find((t) => t.name === name);
  if (!found) {
    const names = initTemplates.map((t) => t.name);
    const hint = suggestion(name, names);
    throw new UsageError(`unknown template '${name}'${hint ? ` (${hint})` : ''}; one of: ${names.join(', ')}`);
  }
  return found;
}

/** The config text for `template`, written to `file` (an absolute path). */
export function starterConfig(template: InitTemplate, file: string): string {
  const rel = path.relative(path.dirname(file), schemaFile()).split(path.sep).join('/');
  return `# yaml-language-server: $schema=${rel}\n${template.body}`;
}

export function initCommand(
  file: string,
  opts: { force?: boolean; template?: string },
  io: { stdout: NodeJS.WritableStream },
  cwd: string = process.cwd(), // the CLI edge: FILE is relative to the folder the command was typed in
): number {
  const template = findTemplate(opts.template ?? DEFAULT_TEMPLATE);
  const abs = path.resolve(cwd, file);
  if (existsSync(abs) && !opts.force) throw new UsageError(`${file} already exists (use --force to overwrite)`);
  writeFileSync(abs, starterConfig(template, abs));
  io.stdout.write(
    `wrote ${file} (${template.name}: ${template.summary})\n` +
      `  it runs as is on the built-in data set ${template.dataset}: mmx validate ${file} && mmx run ${file}\n` +
      `  for your own data, set data.path (with data.split) and the columns\n`,
  );
  return 0;
}
