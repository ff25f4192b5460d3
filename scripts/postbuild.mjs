// After tsc: copies the generated tfjs shims (plain .js + .d.ts, which tsc does not emit; see gen-tf-shims.mjs)
// and mmx's SIMD kernel modules (src/backend/simd/*.wasm, see build-wasm.mjs) into dist/, and makes the built CLI executable (npm does this for installed bins; this covers running from a
// checkout).
import { chmodSync, copyFileSync, existsSync } from 'node:fs';
import { shims } from './gen-tf-shims.mjs';

for (const { file } of shims) {
  for (const ext of ['.js', '.d.ts'])
    copyFileSync(new URL(`../src/${file}${ext}`, import.meta.url), new URL(`../dist/${file}${ext}`, import.meta.url));
}
for (const file of ['mmx-simd.wasm', 'mmx-simd-shared.wasm'])
  copyFileSync(new URL(`../src/backend/simd/${file}`, import.meta.url), new URL(`../dist/backend/simd/${file}`, import.meta.url));
const bin = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(bin)) chmodSync(bin, 0o755);
