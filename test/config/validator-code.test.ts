import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { validate as generated } from '../../src/experiment/generated/experiment-validator.js';
import { experimentJsonSchema } from '../../src/experiment/schema.js';
import { experimentValidatorModule, VALIDATOR_MODULE_PATH, VALIDATOR_OPTIONS } from '../../src/experiment/validator-code.js';
import { repoRoot } from '../helpers/data.js';

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

describe('the config validator compiled ahead of time (src/experiment/generated/experiment-validator.ts)', () => {
  it('is exactly what the schema fragments generate (run `npm run schema` after changing them)', () => {
    const onDisk = readFileSync(path.join(repoRoot, VALIDATOR_MODULE_PATH), 'utf8');
    assert.ok(onDisk === experimentValidatorModule(), `${VALIDATOR_MODULE_PATH} is stale: run \`npm run schema\``);
  });

  it('fills the same defaults and reports the same errors as Ajv compiling the schema at run time', () => {
    const compiled = new Ajv2020(VALIDATOR_OPTIONS).compile(experimentJsonSchema()) as Validate;
    const cases: unknown[] = [
      {
        name: 'ok',
        data: { path: 'm.csv', split: { column: 'split' } },
        target: { column: 'label' },
        inputs: { text: { type: 'text', column: 'text' } },
      },
      {
        name: 'bad name!',
        data: { path: 'm.csv', dataset: 'x', split: {} },
        target: { column: 'label', task: 'clasification' },
        inputs: { '9x': { type: 'txt' }, img: { type: 'image', column: 'p', encoder: { type: 'cnn', filters: 'many' } } },
        training: { epochs: -1, optimizer: { type: 'adam', learning_rate: 'fast' } },
        extra: true,
      },
      {
        name: 'x',
        data: { dataset: 'avmnist', split: { ratios: { train: 0.8 } } },
        target: { column: 'label' },
        inputs: { a: { column: 'a' } },
        fusion: { type: 'gated', hidden: [] },
      },
    ];
    for (const config of cases) {
      const [a, b] = [structuredClone(config), structuredClone(config)];
      const [okA, okB] = [compiled(a), (generated as unknown as Validate)(b)];
      assert.equal(okB, okA);
      assert.deepEqual(b, a, 'defaults filled in');
      const strip = (errors: unknown[] | null | undefined): unknown => JSON.parse(JSON.stringify(errors ?? []));
      assert.deepEqual(strip((generated as unknown as Validate).errors), strip(compiled.errors));
    }
  });

  it('keeps Ajv itself out of a config load (only its small runtime helpers are loaded)', () => {
    const script = `
      import { createRequire } from 'node:module';
      import { loadConfig } from './src/experiment/load.ts';
      loadConfig('configs/avmnist.yaml', { baseDir: process.cwd() });
      const cache = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(cache.filter((f) => f.includes('/node_modules/ajv/')).map((f) => f.slice(f.indexOf('/ajv/')))));
    `;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    const loaded = JSON.parse(out.trim().split('\n').pop()!) as string[];
    assert.ok(loaded.length > 0 && loaded.every((f) => f.startsWith('/ajv/dist/runtime/')), `ajv files loaded: ${loaded.join(', ')}`);
  });
});
