/**
 * Preloaded (`--import`) into a child bot by test/e2e/unhandled-rejection.test.ts: each SIGUSR2
 * leaves a rejected promise that nothing handles, as a library does when it drops one (Bolt's
 * receiver did, on a signed JSON `null`), so the test can show the bot survives it.
 */
process.on('SIGUSR2', () => {
  void Promise.reject(new Error('a library left this promise rejected (test/support/reject-on-signal.ts)'));
});
