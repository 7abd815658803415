// Compiles the configuration schema into dist/schema-validator.cjs (ajv's standalone code), so that
// commands reading sindri.yaml do not compile the schema on every start. The file carries the
// digest of the schema it was made from; src/config/schema.ts uses it only while that matches.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { newAjv, PRECOMPILED_VALIDATOR, schemaDigest } from '../src/config/schema.ts';
import { schemasDir } from '../src/util/paths.ts';

const text = readFileSync(join(schemasDir, 'sindri.schema.json'), 'utf8');
const ajv = newAjv({ code: { source: true } });
const validate = ajv.compile(JSON.parse(text));
const code = standaloneCode.default(ajv, validate);
writeFileSync(
  PRECOMPILED_VALIDATOR,
  `${code}\nmodule.exports.digest = ${JSON.stringify(schemaDigest(text))};\n`,
);
console.error(`dist/schema-validator.cjs: ${Math.round(code.length / 1024)} KiB`);
