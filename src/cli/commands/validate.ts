/** `mmx validate CONFIG...`: schema and semantic checks only, every problem in every file reported. */
import path from 'node:path';
import { ConfigError } from '../../config/issues.js';
import { loadConfig } from '../../config/load.js';
import { checkSemantics } from '../../config/semantic.js';
import { planSweep } from '../../sweep/plan.js';
import { EXIT_OK, EXIT_USAGE, reportError } from '../user-errors.js';

export function validateCommand(
  files: string[],
  opts: { set: string[] },
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream },
): number {
  let code = EXIT_OK;
  for (const file of files) {
    try {
      const checked = checkSemantics(loadConfig(file, { overrides: opts.set }));
      // a sweep is checked whole: every path, the metric and every value it can take
      if (checked.config.sweep) planSweep(file, { overrides: opts.set });
      const inputs = Object.entries(checked.config.inputs).map(([n, i]) => `${n}:${i.type}/${i.encoder.type}`);
      const rows =
        checked.dataset && !checked.dataset.prepared
          ? `data set ${checked.dataset.name} not downloaded yet`
          : `${checked.manifest.rows.length} rows`;
      io.stdout.write(
        `${path.relative(process.cwd(), checked.file) || file}: ok (${rows}; ${inputs.join(', ')}; fusion ${checked.config.fusion.type})\n`,
      );
    } catch (err) {
      if (err instanceof ConfigError) {
        io.stderr.write(err.message + '\n');
        code = EXIT_USAGE;
      } else {
        code = Math.max(code, reportError(err, io.stderr));
      }
    }
  }
  return code;
}
