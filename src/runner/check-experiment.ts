/**
 * Everything that can be known wrong about an experiment before a run exists, in one pass: the config (YAML,
 * `extends`, `${VAR}`, `--set`, the schema), the semantic checks, the rows (an empty split, a single class, a label
 * the training split lacks — what the run does first), the tracking store (a URI mmx cannot use, a folder it cannot
 * write), the model's size (parameters and activation memory against
 * `runtime.max_model_memory_mb`) and, for `mmx validate`, every file the manifest names. Problems come back together
 * in one ConfigError where the config can be read; a check whose sections already have a problem is left out.
 * `mmx run` calls it too (without the file check), so such a config never leaves a FAILED run behind.
 */
import path from 'node:path';
import { ConfigError, type ConfigIssue } from '../config/issues.js';
import { loadConfigCollecting, type LoadOptions } from '../experiment/load.js';
import { inspectSemantics, sectionsOf, type CheckedConfig } from '../experiment/semantic.js';
import { planRows, type RowPlan } from '../data/dataset.js';
import { DataError } from '../data/errors.js';
import { checkRowFiles, type FileProblem } from '../data/files/check-rows.js';
import { checkModelSize, type ModelEstimate } from '../model/size/estimate.js';
import { trackingIssues } from './check-tracking.js';

export interface CheckOptions extends LoadOptions {
  /** also check every file the used rows name (exists, regular file, size limit, kind): `mmx validate` */
  files?: boolean;
}

export interface ExperimentCheck {
  checked: CheckedConfig;
  /** the rows a run would use, when the manifest was at hand */
  rows?: RowPlan;
  /** with `files`: how many files were looked at, in how many seconds, and the unreadable ones a run would skip */
  files?: { count: number; seconds: number; skipped: FileProblem[] };
  /** the model's estimated size and training memory (bytes), when it could be estimated */
  model?: { estimate: ModelEstimate; bytes: number };
}

/** Most file problems listed one by one; the rest are counted. */
export const MAX_FILE_ISSUES = 20;

/**
 * A data error as an issue: the manifest line, then row and column, as the run's data errors say it (the file as
 * an absolute path, like every issue's: shown relative where it is printed).
 */
function dataIssue(err: DataError): ConfigIssue {
  const w = err.where;
  const at = [w.row !== undefined ? `row ${w.row}` : '', w.column !== undefined ? `column ${w.column}` : ''].filter(Boolean).join(', ');
  return {
    file: w.file || '?',
    ...(w.line !== undefined ? { line: w.line } : {}),
    path: '',
    message: `${at ? `${at}: ` : ''}${err.message}`,
    ...(err.hint ? { hint: err.hint } : {}),
  };
}

function fileIssues(problems: readonly FileProblem[], manifest: string, baseDir: string): ConfigIssue[] {
  const issues: ConfigIssue[] = problems.slice(0, MAX_FILE_ISSUES).map((p) => ({
    file: manifest,
    line: p.line,
    path: '',
    message: `row ${p.row + 1}, column ${p.column}: ${p.reason}${p.cell ? `: ${p.cell}` : ''}`,
  }));
  if (problems.length > MAX_FILE_ISSUES) {
    const rows = new Set(problems.map((p) => p.row)).size;
    issues.push({
      file: manifest,
      path: '',
      message: `… ${(problems.length - MAX_FILE_ISSUES).toLocaleString('en-US')} more unreadable files (${rows.toLocaleString('en-US')} rows in all)`,
      hint: `paths are relative to ${baseDir}; set data.on_error: skip to leave such rows out`,
    });
  } else if (issues.length > 0) {
    issues[issues.length - 1]!.hint = `paths are relative to ${baseDir}; set data.on_error: skip to leave such rows out`;
  }
  return issues;
}

/** Checks an experiment as far as it can be before a run; throws one ConfigError with every problem found. */
export function checkExperiment(file: string, options: CheckOptions = {}): ExperimentCheck {
  const { loaded, issues } = loadConfigCollecting(file, options);
  const semantic = inspectSemantics(loaded, sectionsOf(issues), options.env ?? process.env);
  issues.push(...semantic.issues);
  const dirty = sectionsOf(issues);
  const clean = (...sections: string[]): boolean => sections.every((s) => !dirty.has(s));
  const checked = semantic.checked;
  const result: ExperimentCheck = { checked };
  // a store that cannot be written fails the run first thing: say so now
  if (clean('tracking')) issues.push(...trackingIssues(checked, checked.baseDir, options.env ?? process.env));

  if (semantic.manifestRead && clean('data', 'target', 'inputs')) {
    try {
      result.rows = planRows(checked);
    } catch (err) {
      if (err instanceof DataError) issues.push(dataIssue(err));
      else if (err instanceof ConfigError) issues.push(...err.issues);
      else throw err;
    }
  }

  if (clean('inputs', 'fusion', 'target', 'training', 'runtime')) {
    const manifest = semantic.manifestRead ? checked.manifest : undefined;
    const rows = result.rows?.splits.train ?? manifest?.rows.map((_, i) => i) ?? [];
    const size = checkModelSize(checked.config, (p) => loaded.sources.locate(p), {
      ...(result.rows && checked.config.target.task !== 'regression' ? { classes: result.rows.target.classes.length } : {}),
      ...(manifest ? { cells: (column: string) => rows.map((i) => manifest.rows[i]![column] ?? '') } : {}),
    });
    issues.push(...size.issues);
    if (size.estimate && size.memory) result.model = { estimate: size.estimate, bytes: size.memory.total };
  }

  if (options.files && result.rows) {
    const started = performance.now();
    const found = checkRowFiles(checked, result.rows.used);
    const seconds = (performance.now() - started) / 1000;
    const skip = checked.config.data.on_error === 'skip';
    result.files = { count: found.files, seconds, skipped: skip ? found.problems : [] };
    const manifest = checked.manifest.file;
    const baseDir = path.dirname(checked.manifest.file);
    if (!skip) {
      issues.push(...fileIssues(found.problems, manifest, baseDir));
    } else {
      // rows a run would leave out: a split left without rows stops it
      const bad = new Set(found.problems.map((p) => p.row));
      for (const [name, rows] of Object.entries(result.rows.splits)) {
        if (!Array.isArray(rows) || rows.length === 0 || rows.some((i) => !bad.has(i))) continue;
        issues.push({
          file: manifest,
          path: '',
          message: `every row of the ${name} split names an unreadable file (data.on_error: skip would leave it empty)`,
          hint: `e.g. row ${found.problems[0]!.row + 1}: ${found.problems[0]!.reason}`,
        });
      }
    }
  }

  if (issues.length) throw new ConfigError(issues);
  return result;
}
