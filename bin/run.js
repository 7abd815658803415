#!/usr/bin/env node
import module from 'node:module';

// Caches compiled bytecode of sindri and its dependencies between runs (Node >= 22.1).
module.enableCompileCache?.();

const { execute } = await import('@oclif/core');
await execute({ dir: import.meta.url });
