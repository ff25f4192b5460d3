/** A small numeric config and its manifest, and a folder at another depth to load or run it from (path tests). */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './tmp.js';

/** Both classes in the training split (validate checks that). */
export const MANIFEST = 'id,x,label,split\n1,0.5,0,train\n2,1.5,1,train\n3,2.5,0,validation\n4,3.5,1,test\n';

export const numericConfig = (dataPath: string, extra = '') =>
  `name: t\ndata:\n  path: ${dataPath}\n  split: {column: split}\ntarget: {column: label}\ninputs:\n  x: {type: numeric, column: x}\n${extra}`;

export function write(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** `<tmp>/cfg/` holding m.csv, and `<tmp>/a/b/c/d/`: four levels deeper, elsewhere. */
export function depthLayout(prefix: string): { root: string; cfgDir: string; deep: string } {
  const root = tempDir(prefix);
  const cfgDir = path.join(root, 'cfg');
  const deep = path.join(root, 'a', 'b', 'c', 'd');
  mkdirSync(deep, { recursive: true });
  write(path.join(cfgDir, 'm.csv'), MANIFEST);
  return { root, cfgDir, deep };
}
