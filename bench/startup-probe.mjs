/**
 * Preload for bench/measure-startup.mjs (not part of mmx): `node --import ./bench/startup-probe.mjs
 * dist/cli/main.js run CONFIG --plain` prints, on fd 3 as one JSON line, milliseconds from process start
 * (performance.now(), whose origin is the process's start) to: the CLI's imports evaluated, the config
 * validated, each plain progress line, and the first training `batch` event, where it ends the process.
 * It marks those points by rewriting three built files as they load (a module load hook), so the CLI itself
 * carries no measuring code.
 *
 * The hook costs time of its own (every ES module's source passes through a hook thread: ~150 ms over the
 * CLI's imports, measured with --cpu-prof). With MMX_STARTUP_PROBE=light there is no hook: the probe only
 * wraps tfjs's `LayersModel.trainOnBatch` (the same CommonJS module instance mmx loads through src/tf.js) and
 * ends the process when the first one returns — the first training batch, without the other marks.
 */
import { writeSync } from 'node:fs';
import { createRequire, register } from 'node:module';

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
if (process.env.MMX_STARTUP_PROBE === 'light') {
  const { LayersModel } = createRequire(import.meta.url)('@tensorflow/tfjs');
  const trainOnBatch = LayersModel.prototype.trainOnBatch;
  LayersModel.prototype.trainOnBatch = async function (...args) {
    const out = await trainOnBatch.apply(this, args);
    globalThis.__mmxFirstBatch();
    return out;
  };
} else {
  register('./startup-probe-hooks.mjs', import.meta.url);
}
