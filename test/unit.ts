/**
 * `npm run test:unit`: the unit tier, for the edit-test loop. A unit test file is named `*.unit.test.ts` (beside
 * the other tests of its area) and needs no data set, no Redis, no model training and no `mmx` child process;
 * each of its files runs in a few seconds. They are imported here into one process (one start, one tfjs load),
 * where the test helpers refuse the data sets, the CLI and Redis (MMX_TEST_TIER=unit), so the rule holds.
 * `npm test` runs them too, each file in a process of its own, with everything else.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

process.env.MMX_TEST_TIER = 'unit';
const root = path.dirname(fileURLToPath(import.meta.url));
const files = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(path.join(root, d.name))
      .filter((f) => f.endsWith('.unit.test.ts'))
      .map((f) => path.join(root, d.name, f)),
  )
  .sort();
if (files.length === 0) throw new Error(`no *.unit.test.ts files under ${root}`);
for (const file of files) await import(pathToFileURL(file).href);
