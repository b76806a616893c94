#!/usr/bin/env node
/**
 * pimbot's admin command line: `npm run pim -- <command>` from a checkout, `pim <command>` when
 * installed. Runs against the bot's database and config without starting HTTP or chat adapters;
 * `pim help` lists the commands. Importing this module (tests) runs nothing.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli/run.js';

export { runCli, cliHelp, EXIT, type CliIo } from './cli/run.js';

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isEntryPoint()) {
  // `pim audit export | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  void runCli(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr }).then((code) => {
    process.exitCode = code;
  });
}
