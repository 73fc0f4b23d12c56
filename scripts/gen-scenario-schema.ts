// Writes scenarios/schema.json from the scenario schema's single definition (src/scenario/schema.ts).
// Run `npm run gen:schema` after changing the schema; test/scenario/json_schema.test.ts fails when
// the committed file is stale.
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { scenarioJSONSchemaText } from '../src/scenario/json_schema.ts';

const out = resolve(import.meta.dirname, '..', 'scenarios', 'schema.json');
writeFileSync(out, scenarioJSONSchemaText());
console.log(`wrote ${out}`);
