/** Module load hook of bench/startup-probe.mjs: adds mark calls to three built files of mmx. */
const edits = [
  // ESM evaluates a module's body after all its static imports: this mark is "the CLI's imports are in"
  [/\/cli\/main\.js$/, (s) => s.replace(/^(import [^\n]*\n)+/m, (m) => `${m}globalThis.__mmxMark?.('cli imports');\n`)],
  [
    /\/cli\/commands\/run\.js$/,
    (s) =>
      s
        .replace(/^(import [^\n]*\n)+/m, (m) => `${m}globalThis.__mmxMark?.('run command imports');\n`)
        .replace(/(const checked = [^\n]*\n)/, `$1    globalThis.__mmxMark?.('config validated');\n`),
  ],
  [
    /\/ui\/plain-reporter\.js$/,
    (s) =>
      s.replace(
        /case 'batch':\s*return;/,
        `return; case 'batch': globalThis.__mmxFirstBatch?.(); return;` /* the case above it (epoch_start) falls through to this one */,
      ),
  ],
];

export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  const edit = edits.find(([re]) => re.test(url));
  if (!edit) return result;
  const source = String(result.source);
  const changed = edit[1](source);
  if (changed === source) throw new Error(`startup-probe: could not place its mark in ${url}`);
  return { ...result, source: changed };
}
