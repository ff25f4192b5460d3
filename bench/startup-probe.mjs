/**
 * Preload for bench/measure-startup.mjs (not part of mmx): `node --import ./bench/startup-probe.mjs
 * dist/cli/main.js run CONFIG --plain` prints, on fd 3 as one JSON line, milliseconds from process start
 * (performance.now(), whose origin is the process's start) to: the CLI's imports evaluated, the config
 * validated, each plain progress line, and the first training `batch` event, where it ends the process.
 * It marks those points by rewriting three built files as they load (a module load hook), so the CLI itself
 * carries no measuring code.
 */
import { writeSync } from 'node:fs';
import { register } from 'node:module';

const marks = [];
const mark = (name) => marks.push([name, +performance.now().toFixed(1)]);
globalThis.__mmxMark = mark;
globalThis.__mmxFirstBatch = () => {
  mark('first batch');
  writeSync(3, JSON.stringify({ marks, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }) + '\n');
  process.exit(0);
};
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  const text = String(chunk);
  for (const line of text.split('\n')) if (/^\[\w+\]|^info: feature cache/.test(line)) mark(line.slice(0, 60));
  return write(chunk, ...rest);
};
register('./startup-probe-hooks.mjs', import.meta.url);
