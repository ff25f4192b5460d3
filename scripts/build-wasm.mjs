// Builds mmx's SIMD kernels (src/backend/simd/c/*.c) into the two committed WebAssembly modules:
//   src/backend/simd/mmx-simd.wasm         for the wasm backend's ordinary memory
//   src/backend/simd/mmx-simd-shared.wasm  for its threaded build's shared memory (runtime.threads > 1)
// Needs Debian's clang and lld (apt-get install clang lld); a user's `npm ci` needs neither (the .wasm files are
// committed). test/backend/simd-build.test.ts rebuilds them where the toolchain is present and checks they match.
//
//   node scripts/build-wasm.mjs            build and write the modules
//   node scripts/build-wasm.mjs --check    build into a temp folder; exit 1 if they differ from the committed ones
//
// The modules import their memory from tfjs's and must not touch anything tfjs owns: the build fails if one has
// a data segment (static data) or reads or writes a global (the C stack pointer: a stack frame would land in
// tfjs's heap). llvm-objdump (from clang's llvm) checks that.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../src/backend/simd/', import.meta.url));
const sources = readdirSync(path.join(dir, 'c'))
  .filter((f) => f.endsWith('.c'))
  .sort()
  .map((f) => path.join('c', f));

const common = ['--target=wasm32', '-O3', '-msimd128', '-mbulk-memory', '-mnontrapping-fptoint', '-nostdlib', '-ffreestanding'];
// -fno-ident and relative source paths: the output does not depend on the compiler's version string or the checkout's folder
const link = ['-fno-ident', '-Wl,--no-entry', '-Wl,--import-memory', '-Wl,--strip-all', '-Wl,-z,stack-size=0'];
const variants = [
  { file: 'mmx-simd.wasm', flags: [] },
  { file: 'mmx-simd-shared.wasm', flags: ['-matomics', '-Wl,--shared-memory', '-Wl,--max-memory=4294967296'] },
];

function tool(names) {
  for (const name of names) {
    try {
      execFileSync(name, ['--version'], { stdio: 'ignore' });
      return name;
    } catch {
      // try the next name
    }
  }
  return undefined;
}

export function toolchain() {
  const clang = tool(['clang', 'clang-14', 'clang-15', 'clang-16']);
  const objdump = tool(['llvm-objdump', 'llvm-objdump-14', 'llvm-objdump-15', 'llvm-objdump-16']);
  let lld = false;
  try {
    execFileSync('wasm-ld', ['--version'], { stdio: 'ignore' });
    lld = true;
  } catch {
    lld = false;
  }
  return clang && lld && objdump ? { clang, objdump } : undefined;
}

function verify(objdump, file) {
  const headers = execFileSync(objdump, ['-h', file], { encoding: 'utf8' });
  if (/\bDATA\b/.test(headers)) throw new Error(`${file}: has a data section (static data); the kernels must keep none`);
  const code = execFileSync(objdump, ['-d', file], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (/global\.(get|set)/.test(code)) throw new Error(`${file}: uses a global (a C stack frame?); keep locals in registers`);
}

/** Builds both variants into `outDir`; returns their paths. */
export function build(outDir) {
  const tc = toolchain();
  if (!tc) throw new Error('clang, wasm-ld and llvm-objdump are needed (Debian: apt-get install clang lld)');
  return variants.map((v) => {
    const out = path.join(outDir, v.file);
    execFileSync(tc.clang, [...common, ...v.flags, ...link, '-o', out, ...sources], { cwd: dir, stdio: ['ignore', 'inherit', 'inherit'] });
    verify(tc.objdump, out);
    return out;
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--check')) {
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'mmx-wasm-'));
    try {
      const stale = build(tmp).filter((f) => !readFileSync(f).equals(readFileSync(path.join(dir, path.basename(f)))));
      if (stale.length) {
        console.error(`stale: ${stale.map((f) => path.basename(f)).join(', ')} (run node scripts/build-wasm.mjs)`);
        process.exit(1);
      }
      console.log('mmx SIMD modules are up to date');
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  } else {
    for (const f of build(dir)) console.log(`wrote ${path.relative(process.cwd(), f)} (${readFileSync(f).length} bytes)`);
  }
}
