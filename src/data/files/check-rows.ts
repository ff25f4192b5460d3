/**
 * Every file the used rows of a manifest name, checked the way a run would read it — present, a regular file,
 * within `data.max_file_mb`, of the input's kind by its first bytes — without decoding anything (a few bytes per
 * file). `mmx validate` reports what it finds per row and column, as the run's data errors do.
 */
import path from 'node:path';
import type { CheckedConfig } from '../../experiment/semantic.js';
import { findModality } from '../modalities/index.js';
import { maxFileBytes, mediaFileProblem } from './media-file.js';

export interface FileProblem {
  /** 0-based manifest row */
  row: number;
  /** 1-based line of the manifest where the row starts */
  line: number;
  column: string;
  /** the cell as written */
  cell: string;
  /** what the run would say: "cannot decode image: file not found", "the value is missing", ... */
  reason: string;
  /** the input whose cell it is */
  input: string;
}

export interface FileCheck {
  problems: FileProblem[];
  /** files looked at */
  files: number;
}

/** Checks the files that `rows` (manifest row indices) name in every input whose cells are files. */
export function checkRowFiles(checked: CheckedConfig, rows: readonly number[]): FileCheck {
  const { manifest, config } = checked;
  const baseDir = path.dirname(manifest.file);
  const problems: FileProblem[] = [];
  let files = 0;
  for (const [name, input] of Object.entries(config.inputs)) {
    const kind = findModality(input.type).files;
    if (!kind) continue;
    const maxBytes = maxFileBytes(config.data, kind);
    const missing = (input.preprocessing as { missing?: string }).missing ?? 'error';
    const column = input.column;
    for (const i of rows) {
      const cell = (manifest.rows[i]![column] ?? '').trim();
      const report = (reason: string): void => {
        problems.push({ row: i, line: manifest.lines[i]!, column, cell, reason, input: name });
      };
      if (cell === '') {
        if (missing === 'error') report('the value is missing');
        continue;
      }
      files += 1;
      const problem = mediaFileProblem(path.resolve(baseDir, cell), kind, maxBytes);
      if (problem !== undefined) report(problem);
    }
  }
  problems.sort((a, b) => a.row - b.row);
  return { problems, files };
}
