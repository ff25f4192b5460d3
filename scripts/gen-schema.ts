/** Writes schemas/experiment.schema.json from the schema fragments in src/ (`npm run schema`). */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { experimentJsonSchema } from '../src/config/schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'schemas', 'experiment.schema.json');
writeFileSync(out, JSON.stringify(experimentJsonSchema(), null, 2) + '\n');
console.log(`wrote ${path.relative(process.cwd(), out)}`);
