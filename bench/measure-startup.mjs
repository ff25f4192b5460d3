/**
 * Startup of a cached `mmx run` on the built CLI (not a test; numbers for issue 7's "a cached re-run reaches
 * its first training batch in < 2 s"):
 *
 *   npm run build && MMX_DATA_HOME=... MMX_CACHE_DIR=/tmp/scratch node bench/measure-startup.mjs \
 *     [--light] [--rounds N] [--config configs/avmnist.yaml] [BUILD_DIR ...]
 *
 * Runs `node BUILD_DIR/cli/main.js run CONFIG --plain` (default BUILD_DIR: dist) in fresh processes with
 * bench/startup-probe.mjs preloaded, which stops each at its first training batch. Several builds
 * alternate round by round (A B A B ...), so a busy machine hurts them alike. The first run of each build
 * fills the cache and is not counted. Prints, per build, the min and median milliseconds from process start
 * to each mark (the CLI's imports, config validated, each progress line, first batch) and peak RSS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const [value] = args.splice(i, 2).slice(1);
  return value;
};
const light = args.includes('--light') ? (args.splice(args.indexOf('--light'), 1), true) : false;
const rounds = Number(flag('--rounds', '5'));
const config = flag('--config', 'configs/avmnist.yaml');
const builds = args.length > 0 ? args : ['dist'];
const probe = new URL('./startup-probe.mjs', import.meta.url).pathname;
const store = mkdtempSync(path.join(os.tmpdir(), 'mmx-startup-'));

function once(build) {
  const out = path.join(store, 'probe.json');
  rmSync(out, { force: true });
  // fd 3 carries the probe's JSON line
  const r = spawnSync(
    process.execPath,
    ['--import', probe, path.join(build, 'cli', 'main.js'), 'run', config, '--plain', '--set', `tracking.uri=${path.join(store, 'runs')}`],
    {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      encoding: 'utf8',
      env: { ...process.env, CI: 'true', ...(light ? { MMX_STARTUP_PROBE: 'light' } : {}) },
    },
  );
  const line = (r.output[3] ?? '').trim();
  if (!line) throw new Error(`${build}: no first batch (exit ${r.status})\n${r.stdout}\n${r.stderr}`);
  const { marks, peakRssMb } = JSON.parse(line);
  const named = Object.fromEntries(
    marks.map(([name, ms]) => [name.replace(/^info: feature cache.*/, 'feature cache read').replace(/^\[(\w+)\].*/, '[$1]'), ms]),
  );
  return { ...named, peakRssMb, cache: marks.some(([n]) => /cache: .*hit/.test(n)) ? 'hit' : 'miss' };
}

const results = new Map(builds.map((b) => [b, []]));
for (const b of builds) once(b); // fills the cache
for (let r = 0; r < rounds; r++) for (const b of builds) results.get(b).push(once(b));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const load = os.loadavg()[0].toFixed(1);
console.log(
  `${config}, ${rounds} cached runs per build, alternating${light ? ', light probe (no module hook: progress lines and first batch only)' : ''}; load average ${load} on ${os.cpus().length} cores (ms from process start: min / median)`,
);
for (const [b, runs] of results) {
  if (runs.some((x) => x.cache !== 'hit')) console.log(`  warning: ${b}: some runs missed the cache`);
  const keys = Object.keys(runs[0]).filter((k) => k !== 'cache');
  console.log(`${b}`);
  for (const k of keys) {
    const xs = runs.map((x) => x[k]).filter((x) => typeof x === 'number');
    console.log(`  ${k.padEnd(22)} ${String(Math.round(Math.min(...xs))).padStart(6)} / ${String(Math.round(median(xs))).padStart(6)}`);
  }
}
rmSync(store, { recursive: true, force: true });
