#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import module from 'node:module';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === 'version')) {
  // The most frequent call in scripts; answered without loading the CLI framework, in oclif's format.
  const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`sindri/${version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else {
  // Caches compiled bytecode of sindri and its dependencies between runs (Node >= 22.1).
  module.enableCompileCache?.();
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
