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
  /** CPU seconds the process spent over the epoch's training part (all its threads): immune to time other processes
   *  had the cores, so comparable across a loaded machine's runs (mmx's includes V8's helper threads) */
  trainCpuSeconds?: number;
}
