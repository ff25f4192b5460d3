import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { experimentJsonSchema } from '../../src/experiment/schema.js';
import { repoRoot } from '../helpers/data.js';

describe('schemas/experiment.schema.json', () => {
  it('is exactly what the schema fragments generate (run `npm run schema` after changing them)', () => {
    const onDisk = JSON.parse(readFileSync(path.join(repoRoot, 'schemas', 'experiment.schema.json'), 'utf8'));
    assert.deepEqual(onDisk, experimentJsonSchema());
  });

  it('is closed everywhere: every object schema sets additionalProperties: false', () => {
    const open: string[] = [];
    const walk = (s: unknown, at: string): void => {
      if (Array.isArray(s)) return s.forEach((x, i) => walk(x, `${at}/${i}`));
      if (s === null || typeof s !== 'object') return;
      const o = s as Record<string, unknown>;
      // a discriminated union is closed by its variants (its own `properties` only give `type` a default)
      if (o.type === 'object' && (o.properties || o.patternProperties) && o.additionalProperties !== false && !o.discriminator) {
        // tags is a free-form string map by design
        if (!at.endsWith('/tags')) open.push(at);
      }
      for (const [k, v] of Object.entries(o)) walk(v, `${at}/${k}`);
    };
    walk(experimentJsonSchema(), '#');
    assert.deepEqual(open, []);
  });
});
