#!/usr/bin/env node
// `npm start`'s build step: builds dist/ (incrementally, so an unchanged tree costs a few seconds),
// unless a bot is running from this checkout's dist/ right now. Rewriting the files under a running
// bot would mix two versions in it; the start that follows then finds what that bot holds (the
// embedded database, the port) and says so.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = resolve(root, 'dist/src/main.js');

/** Pids of the processes running dist/src/main.js of this checkout (Linux: read from /proc; elsewhere none are seen). */
function botsRunningHere() {
  let pids;
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid);
  } catch {
    return [];
  }
  const found = [];
  for (const pid of pids) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!argv.some((a) => a.endsWith('main.js'))) continue;
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      if (argv.slice(1).some((a) => resolve(cwd, a) === entry)) found.push(Number(pid));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

const running = botsRunningHere();
if (running.length > 0) {
  process.stderr.write(`pimbot (pid ${running.join(', ')}) is running from ${entry}: not rebuilding under it\n`);
  process.exit(0);
}
const npm = process.env.npm_execpath;
const build = npm ? spawnSync(process.execPath, [npm, 'run', '--silent', 'build'], { cwd: root, stdio: 'inherit' }) : spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit', shell: true });
process.exit(build.status ?? 1);
