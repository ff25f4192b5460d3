/**
 * Small helpers for kernels that run on the wasm backend but are written in TypeScript.
 *
 * A wasm tensor lives on the WebAssembly heap. `typedArrayFromHeap` gives a *view* of it (no copy). A view
 * is only valid until the heap grows: any allocation (`makeOutput`, or a kernel that allocates) may grow
 * the wasm memory and detach every earlier view. So: allocate first, take views afterwards, and take them
 * again after calling anything that allocates.
 */
import * as tf from '../../tf.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The parts of the wasm backend a TypeScript kernel uses. */
export type WasmBackendLike = Pick<BackendWasm, 'makeOutput' | 'typedArrayFromHeap' | 'disposeData'>;

export function asWasmBackend(backend: unknown, kernelName: string): WasmBackendLike {
  const b = backend as Partial<WasmBackendLike> | null;
  if (
    b == null ||
    typeof b.makeOutput !== 'function' ||
    typeof b.typedArrayFromHeap !== 'function' ||
    typeof b.disposeData !== 'function'
  ) {
    throw new Error(`mmx kernel ${kernelName}: expected the tfjs 'wasm' backend, got ${describe(backend)}`);
  }
  return b as WasmBackendLike;
}

function describe(backend: unknown): string {
  if (backend == null) return String(backend);
  const ctor = (backend as { constructor?: { name?: string } }).constructor;
  return ctor?.name ?? typeof backend;
}

/** A float32 view of a wasm tensor's memory (see the module note on view lifetime). */
export function f32(backend: WasmBackendLike, info: tf.TensorInfo): Float32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Float32Array)) {
    throw new Error(`expected a float32 tensor, got ${info.dtype}`);
  }
  return view;
}

/** An int32 view of a wasm tensor's memory (see the module note on view lifetime). */
export function i32(backend: WasmBackendLike, info: tf.TensorInfo): Int32Array {
  const view = backend.typedArrayFromHeap(info);
  if (!(view instanceof Int32Array)) {
    throw new Error(`expected an int32 tensor, got ${info.dtype}`);
  }
  return view;
}

/** `[a, b]` from a number or a pair (tfjs's `number | [number, number]` attribute form). */
export function pair(value: number | readonly number[] | undefined, fallback: number, what: string): [number, number] {
  if (value === undefined) return [fallback, fallback];
  if (typeof value === 'number') return [value, value];
  if (value.length === 1 && value[0] !== undefined) return [value[0], value[0]];
  const [a, b] = value;
  if (value.length !== 2 || a === undefined || b === undefined) {
    throw new Error(`${what} must be a number or a pair of numbers, got [${value.join(', ')}]`);
  }
  return [a, b];
}
