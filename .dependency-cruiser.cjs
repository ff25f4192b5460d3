/**
 * The layers of src/, bottom to top, and the rule that holds them: a folder imports only folders in a LOWER
 * layer (or itself). Folders in one layer are peers and do not import each other. So the folder graph has no
 * cycles by construction. ARCHITECTURE.md draws the same list; `npm run deps` checks it (CI runs it).
 *
 * Type-only imports count: a type that points up is an arrow that points up.
 * Violations that existed when the rule was written are listed in .dependency-cruiser-known-violations.json;
 * that list may only shrink (`npm run deps:baseline` rewrites it after a fix, never to add an entry).
 */

/**
 * Bottom → top: each entry is a layer's name and its folders under src/ ('<root>': the files directly in src/).
 * A folder may be given as [name, regex] while a layer's files do not have a folder of their own yet.
 */
const layers = [
  // run events and result types, task names, seeded random, errors base, version, format helpers, io, the tfjs shims
  ['core', ['core', 'format', 'io', ['<root>', '^src/(?!index\\.ts$|layers\\.ts$)[^/]+$']]],
  // the config kit: schema-kit, issues, source map, did-you-mean, YAML source, merge, interpolate, overrides
  ['config kit', ['config']],
  // custom tfjs kernels (optimizer updates, dropout, relu grad) and the backend that registers them
  ['ops', ['ops']],
  ['backend', ['backend']],
  // the metric registry (defineMetric), pure compute; the sweep's search space, samplers, TPE, pruners: no runs
  ['metrics, search', ['metrics', 'search']],
  ['data', ['data', 'datasets']],
  ['model', ['model']],
  ['train', ['train']],
  ['evaluate', ['evaluate']],
  ['report, tracking', ['report', 'tracking']],
  // the composition root of the config language: schema assembly, load, semantic checks, narrow specs
  ['experiment', ['experiment']],
  ['runner', ['runner']],
  // a logged model's predictor (mmx predict, mmx serve, the API)
  ['inference', ['inference']],
  ['sweep, serve', ['sweep', 'serve']],
  ['ui', ['ui']],
  // the programmatic API and the CLI
  ['api', ['api']],
  ['cli', ['cli']],
  // the published surface (src/public/) and the entry points package.json exports (src/index.ts, src/layers.ts)
  ['public', ['public']],
  ['entry points', [['<entry points>', '^src/(index|layers)\\.ts$']]],
];

const nameOf = (folder) => (Array.isArray(folder) ? folder[0] : folder);
const pathOf = (folder) => (Array.isArray(folder) ? folder[1] : folder === '<root>' ? '^src/[^/]+$' : `^src/${folder}/`);

const layerRules = layers.flatMap(([name, folders], i) => {
  const above = layers.slice(i + 1).flatMap(([, f]) => f);
  const below = layers.slice(0, i).map(([n]) => n);
  return folders
    .map((folder) => ({
      name: `layer:${nameOf(folder)}`,
      comment: `src/${nameOf(folder)} is in the '${name}' layer: it imports only from lower layers (${below.join(', ') || 'none'})`,
      severity: 'error',
      from: { path: pathOf(folder) },
      to: { path: [...above, ...folders.filter((f) => f !== folder)].map(pathOf) },
    }))
    .filter((rule) => rule.to.path.length > 0);
});

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      comment: 'modules that import each other, directly or through others',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'an import that resolves to nothing',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'no-non-package-json',
      comment: 'a package that package.json does not declare (it resolves here only because another package brings it)',
      severity: 'error',
      from: {},
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'src/ is what users install: it cannot need a devDependency at run time',
      severity: 'error',
      from: { path: '^src/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
