// scenarios/schema.json comes from here: the zod definition (schema.ts) rendered as JSON Schema
// (draft-07, which yaml-language-server and VS Code understand) describing what a file may hold —
// input form, durations as strings, defaults shown. scripts/gen-scenario-schema.ts writes it; a test
// fails when the committed file differs from this function's output.
import * as z from 'zod';
import { ScenarioSchema } from './schema.ts';

export const SCHEMA_ID = 'https://swsim.local/scenarios/schema.json';

export function scenarioJSONSchema(): Record<string, unknown> {
  const js = z.toJSONSchema(ScenarioSchema, { io: 'input', target: 'draft-7', unrepresentable: 'any', reused: 'ref' }) as Record<string, unknown>;
  return {
    $schema: js.$schema,
    $id: SCHEMA_ID,
    title: 'swsim scenario',
    description: 'A swsim scenario file: what happens (faults at named points), what stays free, what is expected. See docs/scenarios.md.',
    ...Object.fromEntries(Object.entries(js).filter(([k]) => k !== '$schema')),
  };
}

/** The exact text of scenarios/schema.json. */
export function scenarioJSONSchemaText(): string {
  return `${JSON.stringify(scenarioJSONSchema(), null, 2)}\n`;
}
