#!/usr/bin/env node
// Copies the non-TypeScript files the built bot reads at run time into dist/.
import { cpSync, existsSync } from 'node:fs';

const assets = [
  ['src/config/demo.pim.config.yaml', 'dist/src/config/demo.pim.config.yaml'],
  // the playground's page, script and styles (served as they are: no build step)
  ['adapters/playground/web', 'dist/adapters/playground/web'],
];
for (const [from, to] of assets) if (existsSync(from)) cpSync(from, to, { recursive: true });
