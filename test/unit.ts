/**
 * `npm run test:unit`: the unit tier, for the edit-test loop. A unit test file is named `*.unit.test.ts` (beside
 * the other tests of its area) and needs no data set, no Redis, no model training and no `mmx` child process;
 * each of its files runs in a few seconds. They are imported here into one process (one start, one tfjs load),
 * where the test helpers refuse the data sets, the CLI and Redis (MMX_TEST_TIER=unit), so the rule holds.
 * `npm test` runs them too, each file in a process of its own, with everything else.
 */
// before any test file: several load Ink, which decides once, when first loaded, whether it runs in CI; the live
// terminal UI tests need it loaded as a person's terminal has it (see the helper), whatever machine runs the tier
import './helpers/interactive-terminal.js';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { testFiles } from '../scripts/test-plan.mjs';

process.env.MMX_TEST_TIER = 'unit';
const checkout = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const files = testFiles(checkout).unit.map((f) => path.join(checkout, f));
if (files.length === 0) throw new Error(`no *.unit.test.ts files under ${path.join(checkout, 'test')}`);
for (const file of files) await import(pathToFileURL(file).href);
