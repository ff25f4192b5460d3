/** One epoch's timing, as bench/mmx-bench.ts and bench/torch_reference.py report it and bench/run.ts reads it. */
export interface EpochFig {
  epoch: number;
  seconds: number;
  trainSeconds: number;
  samples: number;
  data: number;
  step: number;
  overhead: number;
  validation: number;
  samplesPerSec: number;
}
