import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { AnySchemaObject, ErrorObject, ValidateFunction } from 'ajv';

const require = createRequire(import.meta.url);

/**
 * The compose-spec JSON schema that dclint ships. dclint's `exports` map does not
 * expose `schemas/`, so the file is found next to its (exported) package.json.
 */
export const composeSchemaPath = path.join(
  path.dirname(require.resolve('dclint/package.json')),
  'schemas',
  'compose.schema.json',
);

function readJson(file: string): AnySchemaObject {
  return JSON.parse(readFileSync(file, 'utf8')) as AnySchemaObject;
}

/** A validator for the compose spec, compiled once per test file. */
export function composeValidator(): ValidateFunction {
  const schema = readJson(composeSchemaPath);
  const ajv = new Ajv({
    allErrors: true,
    // The spec declares `type: ["string", "number"]` unions throughout.
    allowUnionTypes: true,
    // It also uses `patternProperties` without `type: object`; strictTypes would only log that.
    strictTypes: false,
  });
  // The schema says `"$schema": "https://json-schema.org/draft-07/schema"`, while Ajv
  // registers draft-07 as `http://json-schema.org/draft-07/schema#`. Registering the same
  // meta-schema under the https id keeps the schema itself validated, not skipped.
  const metaId = schema.$schema;
  if (typeof metaId === 'string' && ajv.getSchema(metaId) === undefined) {
    const draft07 = readJson(require.resolve('ajv/dist/refs/json-schema-draft-07.json'));
    ajv.addMetaSchema({ ...draft07, $id: metaId });
  }
  return ajv.compile(schema);
}

/** Ajv's errors as one readable line each. */
export function describeSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map(
    (e) => `${e.instancePath || '/'} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`,
  );
}
