/**
 * `mmx validate CONFIG...`: every check that needs no training — the config, the data's columns and rows, every
 * file the manifest names, the model's size — every problem in every file reported, before any run exists.
 */
import path from 'node:path';
import { ConfigError } from '../../config/issues.js';
import { checkExperiment } from '../../runner/check-experiment.js';
import { planSweep } from '../../sweep/plan.js';
import { EXIT_OK, EXIT_USAGE, reportError } from '../user-errors.js';

const n = (x: number): string => x.toLocaleString('en-US');

export function validateCommand(
  files: string[],
  opts: { set: string[] },
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): number {
  let code = EXIT_OK;
  // the CLI edge: paths given and shown are relative to the folder the command was typed in
  const cwd = process.cwd();
  for (const file of files) {
    try {
      const result = checkExperiment(file, { overrides: opts.set, files: true, baseDir: cwd });
      const { checked } = result;
      // a sweep is checked whole: every path, the metric and every value it can take
      if (checked.config.sweep) planSweep(file, { overrides: opts.set, baseDir: cwd });
      const inputs = Object.entries(checked.config.inputs).map(([name, i]) => `${name}:${i.type}/${i.encoder.type}`);
      const facts: string[] = [];
      if (checked.dataset && !checked.dataset.prepared) facts.push(`data set ${checked.dataset.name} not downloaded yet`);
      else facts.push(`${n(checked.manifest.rows.length)} rows`);
      if (result.files && result.files.count > 0) {
        const f = result.files;
        facts.push(`${n(f.count)} files checked in ${f.seconds.toFixed(2)} s`);
        if (f.skipped.length) {
          const rows = new Set(f.skipped.map((p) => p.row)).size;
          const first = f.skipped[0]!;
          facts.push(
            `${n(rows)} rows with unreadable files will be skipped (data.on_error: skip; first: row ${first.row + 1}, ${first.reason})`,
          );
        }
      }
      facts.push(inputs.join(', '), `fusion ${checked.config.fusion.type}`);
      if (result.model) facts.push(`${n(result.model.estimate.params)} parameters`);
      io.stdout.write(`${path.relative(cwd, checked.file) || file}: ok (${facts.join('; ')})\n`);
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(err.format(cwd) + '\n');
        code = EXIT_USAGE;
      } else {
        code = Math.max(code, reportError(err, io.stderr, process.env, cwd));
      }
    }
  }
  return code;
}
