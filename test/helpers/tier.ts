/** The unit tier's rule (test/unit.ts), enforced where a test would break it. */
export function refuseInUnitTier(what: string): void {
  if (process.env.MMX_TEST_TIER === 'unit') {
    throw new Error(`a unit test (*.unit.test.ts) must not use ${what}: name the file *.test.ts (test/unit.ts says what is unit)`);
  }
}
