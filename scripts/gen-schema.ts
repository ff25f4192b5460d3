/**
 * `npm run schema`: writes schemas/experiment.schema.json from the schema fragments in src/, and the config
 * validator compiled ahead of time from it (src/experiment/generated/experiment-validator.ts, Ajv standalone code), and
 * the config's type written out for the published declarations (src/experiment/generated/experiment-config.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { experimentJsonSchema } from '../src/experiment/schema.js';
import { experimentValidatorModule, VALIDATOR_MODULE_PATH } from '../src/experiment/validator-code.js';
import { CONFIG_TYPE_MODULE_PATH, configTypeModule } from './gen-config-type.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const write = (file: string, text: string): void => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
};
write(path.join(root, 'schemas', 'experiment.schema.json'), JSON.stringify(experimentJsonSchema(), null, 2) + '\n');
write(path.join(root, VALIDATOR_MODULE_PATH), experimentValidatorModule());
write(path.join(root, CONFIG_TYPE_MODULE_PATH), configTypeModule(root));
