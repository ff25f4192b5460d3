// ESLint: a small, type-aware rule set chosen for the bugs it catches (a promise nobody awaits, a switch that
// forgets a case, an unused binding), not for style — Prettier owns the layout. `npm run lint`; CI runs it.
// Layering between folders is dependency-cruiser's job (.dependency-cruiser.cjs, `npm run deps`).
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'runs/**',
      'bench/.work/**',
      'src/experiment/generated/**',
      'src/metrics/generated/**',
      'src/tf.js',
      'src/tf-wasm.js',
    ],
  },
  {
    // the TypeScript of src/, test/, scripts/ and bench/: tsconfig.json's one program (no per-file default projects)
    files: ['{src,test,scripts,bench}/**/*.{ts,tsx,mts}'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // promises: a call whose rejection nobody handles, a promise where a boolean or a void callback is expected,
      // an await on something that is not a promise
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test()/describe() return promises the runner itself awaits
        {
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite', 'before', 'after'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/return-await': ['error', 'in-try-catch'],
      // a switch over a union names every member (or has a default)
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // dead code and leftovers (an underscore marks a binding kept on purpose)
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // types: no `any`, no assertion the compiler already knows, throw only Error objects
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      // (a caught error of type unknown may be thrown on)
      '@typescript-eslint/only-throw-error': ['error', { allowThrowingUnknown: true }],
      '@typescript-eslint/no-duplicate-enum-values': 'error',
      // plain JavaScript mistakes the compiler lets through
      'no-self-compare': 'error',
      'no-self-assign': 'error',
      'no-dupe-else-if': 'error',
      'no-unsafe-finally': 'error',
      'no-unreachable-loop': 'error',
      'no-constant-binary-expression': 'error',
      'no-async-promise-executor': 'error',
      eqeqeq: ['error', 'always', { null: 'ignore' }],
    },
  },
);
