/**
 * Preloaded into every child bot test/support/child-bot.ts starts (`--import`): when the test
 * process that started it is gone (killed, crashed, timed out), the child kills itself, so a
 * test run never leaves a bot behind, even when its own clean-up could not run.
 */
const parent = Number(process.env.PIM_CHILD_BOT_PARENT_PID);
if (Number.isInteger(parent) && parent > 0) {
  setInterval(() => {
    // An orphan is re-parented (to init or a subreaper): its parent id changes.
    if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
  }, 250).unref();
}
