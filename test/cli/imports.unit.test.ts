import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { repoRoot } from '../helpers/data.js';

/**
 * The modules a file loads before any of its code runs: its static, non-type imports and theirs, through
 * src/ (import() is not followed: that is what loading later means). Packages are named as imported; a
 * top-level `createRequire(import.meta.url)('pkg')` (the tfjs shims, src/tf.js) counts as importing 'pkg'.
 */
function staticClosure(entry: string): { files: Set<string>; packages: Map<string, string> } {
  const files = new Set<string>();
  const packages = new Map<string, string>(); // package -> the src file that imports it
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const text = readFileSync(file, 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, false);
    const required = [...text.matchAll(/^const \w+ = createRequire\(import\.meta\.url\)\('([^']+)'\);$/gm)].map((m) => m[1]!);
    for (const pkg of required) if (!packages.has(pkg)) packages.set(pkg, path.relative(repoRoot, file));
    for (const st of source.statements) {
      let spec: string | undefined;
      if (ts.isImportDeclaration(st)) {
        const clause = st.importClause;
        const typeOnly =
          clause !== undefined &&
          (clause.isTypeOnly ||
            (clause.name === undefined &&
              clause.namedBindings !== undefined &&
              ts.isNamedImports(clause.namedBindings) &&
              clause.namedBindings.elements.length > 0 &&
              clause.namedBindings.elements.every((e) => e.isTypeOnly)));
        if (!typeOnly) spec = (st.moduleSpecifier as ts.StringLiteral).text;
      } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && !st.isTypeOnly) {
        spec = (st.moduleSpecifier as ts.StringLiteral).text;
      }
      if (spec === undefined || spec.startsWith('node:')) continue;
      if (spec.startsWith('.')) {
        const resolved = path.resolve(path.dirname(file), spec).replace(/\.js$/, '');
        const candidates = ['.ts', '.tsx', '/index.ts', '.js'].map((ext) => resolved + ext);
        const found = candidates.find((c) => {
          try {
            readFileSync(c);
            return true;
          } catch {
            return false;
          }
        });
        if (found) visit(found);
        else if (!spec.endsWith('.json')) assert.fail(`${path.relative(repoRoot, file)}: cannot resolve ${spec}`);
      } else {
        const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
        const key = name === 'ajv' ? spec : name;
        if (!packages.has(key)) packages.set(key, path.relative(repoRoot, file));
      }
    }
  };
  visit(path.join(repoRoot, entry));
  return { files, packages };
}

const src = (p: string): string => path.join('src', p);

describe('what the CLI loads before it starts working (startup time)', () => {
  it('mmx itself loads no command until one runs, and nothing but commander before parsing (not tfjs: --help, --version)', () => {
    const { files, packages } = staticClosure(src('cli/main.ts'));
    const commands = [...files].filter((f) => f.includes(`${path.sep}cli${path.sep}commands${path.sep}`));
    assert.deepEqual(commands, []);
    assert.deepEqual([...packages.keys()], ['commander']);
  });

  it('mmx run loads nothing it needs only later or for other commands: no report renderers, Redis client, downloader, archive readers, Ink, or Ajv compiler', () => {
    const { packages } = staticClosure(src('cli/commands/run.ts'));
    const heavy = [
      'vega',
      'vega-lite',
      '@resvg/resvg-js',
      'bullmq',
      'undici',
      'tar',
      'yauzl',
      'sharp',
      'ink',
      'react',
      'ajv',
      'ajv/dist/2020.js',
      'ajv/dist/standalone/index.js',
    ];
    const found = heavy.filter((p) => packages.has(p)).map((p) => `${p} (imported by ${packages.get(p)})`);
    assert.deepEqual(found, []);
    // and it does load what a run needs from the start (the check above would pass on a broken walk otherwise)
    for (const needed of ['@tensorflow/tfjs', 'yaml', 'csv-parse'])
      assert.ok(packages.has(needed), `${needed} not found: the import walk is broken`);
  });
});

describe("what `import 'mmx-ml/layers'` does (src/layers.ts)", () => {
  it('loads only @tensorflow/tfjs and the layer files (and the dropout op MmxDropout runs, with its cpu-kernel helper): no backend choice, config, data, tracking or CLI code', () => {
    const { files, packages } = staticClosure(src('layers.ts'));
    assert.deepEqual([...packages.keys()], ['@tensorflow/tfjs']);
    const allowed = (f: string): boolean =>
      f.includes(`${path.sep}src${path.sep}model${path.sep}layers${path.sep}`) ||
      [src('layers.ts'), src('tf.js'), src('ops/dropout.ts'), src('ops/cpu-backend.ts')].some((p) => f.endsWith(p));
    assert.deepEqual(
      [...files].filter((f) => !allowed(f)).map((f) => path.relative(repoRoot, f)),
      [],
    );
  });

  it('registers every mmx layer class with tfjs under an Mmx name', async () => {
    const tf = await import('@tensorflow/tfjs');
    const { MMX_LAYER_CLASSES } = await import('../../src/layers.js');
    const registered = tf.serialization.SerializationMap.getMap().classNameMap;
    assert.ok(MMX_LAYER_CLASSES.length >= 15, `only ${MMX_LAYER_CLASSES.length} classes`);
    for (const name of MMX_LAYER_CLASSES) {
      assert.match(name, /^Mmx/);
      assert.ok(registered[name], `${name} is not registered`);
    }
  });
});
