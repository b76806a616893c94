/**
 * Headless Chromium for browser tests, driven by playwright-core with the system's Chromium
 * (Debian's `chromium`, or CHROMIUM_PATH). Nothing is ever downloaded: without a Chromium the
 * browser tests skip and say why.
 */
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Where Chromium is looked for when CHROMIUM_PATH is not set. */
export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Quiet, offline, container-friendly. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--no-first-run', '--disable-sync'];

export type ChromiumLookup = { path: string; reason: null } | { path: null; reason: string };

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The Chromium to use, or null with the reason there is none. */
export function findChromium(env: Record<string, string | undefined> = process.env): ChromiumLookup {
  const explicit = env.CHROMIUM_PATH?.trim();
  if (explicit) {
    return executable(explicit) ? { path: explicit, reason: null } : { path: null, reason: `CHROMIUM_PATH=${explicit} is not an executable file` };
  }
  const found = CHROMIUM_CANDIDATES.find(executable);
  return found
    ? { path: found, reason: null }
    : { path: null, reason: `no Chromium at ${CHROMIUM_CANDIDATES.join(' or ')} (install Debian's chromium package, or set CHROMIUM_PATH)` };
}

/** Launches headless Chromium from `path`. */
export function launchChromium(path: string): Promise<Browser> {
  return chromium.launch({ executablePath: path, args: CHROMIUM_ARGS, headless: true });
}
