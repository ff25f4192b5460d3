/**
 * The committed SIMD modules (src/backend/simd/*.wasm) are what their C sources build to: where Debian's clang and
 * lld are installed, the test rebuilds them (scripts/build-wasm.mjs, which also checks that they keep no static
 * data and no stack) and compares the bytes. Without the toolchain it is skipped: a user's `npm ci` needs no
 * compiler, and the modules load as committed.
 */
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from '../helpers/data.js';
import { tempDir } from '../helpers/tmp.js';

interface BuildScript {
  toolchain(): { clang: string; objdump: string } | undefined;
  build(outDir: string): string[];
}

const script = (await import(path.join(repoRoot, 'scripts', 'build-wasm.mjs'))) as BuildScript;
const tc = script.toolchain();

describe('mmx SIMD modules', () => {
  it(
    'match a fresh build of src/backend/simd/c (clang + lld)',
    { skip: tc ? false : 'clang, wasm-ld or llvm-objdump not installed', timeout: 120_000 },
    () => {
      const dir = tempDir('mmx-wasm-build-');
      try {
        for (const built of script.build(dir)) {
          const committed = path.join(repoRoot, 'src', 'backend', 'simd', path.basename(built));
          assert.ok(
            readFileSync(built).equals(readFileSync(committed)),
            `${path.basename(built)} differs from a fresh build of its sources: run node scripts/build-wasm.mjs and commit the result`,
          );
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
