/**
 * `npm run schema`: writes the metric catalog (src/metrics/generated/catalog.ts, one import per file in
 * src/metrics/definitions/), then schemas/experiment.schema.json from the schema fragments in src/, the config
 * validator compiled ahead of time from it (src/experiment/generated/experiment-validator.ts, Ajv standalone code),
 * and the config's type written out for the published declarations (src/experiment/generated/experiment-config.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRIC_CATALOG_PATH, METRIC_DEFINITIONS_DIR, metricCatalogModule } from '../src/metrics/catalog-code.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const write = (file: string, text: string): void => {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
};

// first the catalog: the schema lists the metrics it holds (so the schema modules are imported after it is written)
const catalog = path.join(root, METRIC_CATALOG_PATH);
const definitions = readdirSync(path.join(root, METRIC_DEFINITIONS_DIR))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3));
write(catalog, metricCatalogModule(definitions, existsSync(catalog) ? readFileSync(catalog, 'utf8') : ''));

const { experimentJsonSchema } = await import('../src/experiment/schema.js');
const { experimentValidatorModule, VALIDATOR_MODULE_PATH } = await import('../src/experiment/validator-code.js');
const { CONFIG_TYPE_MODULE_PATH, configTypeModule } = await import('./gen-config-type.js');
write(path.join(root, 'schemas', 'experiment.schema.json'), JSON.stringify(experimentJsonSchema(), null, 2) + '\n');
write(path.join(root, VALIDATOR_MODULE_PATH), experimentValidatorModule());
write(path.join(root, CONFIG_TYPE_MODULE_PATH), configTypeModule(root));
