/** A mistake in how mmx was called (arguments, a missing run): one clear message, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}
