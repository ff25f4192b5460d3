/** Types of scripts/test-plan.mjs (plain JavaScript, as scripts/test.mjs that `npm test` runs). */
export function testFiles(root: string): { unit: string[]; other: string[] };
export function testCommand(root: string, env?: NodeJS.ProcessEnv, asked?: string[]): string[];
