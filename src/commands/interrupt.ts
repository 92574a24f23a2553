/** What a command holds while SIGINT/SIGTERM are turned into an abort. */
export interface Interrupt {
  /** Aborted with the signal's name on the first SIGINT or SIGTERM. */
  signal: AbortSignal;
  /** Stops listening; the default behaviour of the signals returns. */
  release(): void;
  /** After {@link release}: ends this process by the signal that aborted it (exit 130 / 143), as a shell expects. */
  reraise(): void;
}

/**
 * Turns SIGINT and SIGTERM into an AbortSignal, so a drill can undo its faults and tear down before
 * the process ends. A second signal while the first is being handled ends the process at once (the
 * journal lets `faildrill cleanup` finish the job).
 */
export function onInterrupt(): Interrupt {
  const controller = new AbortController();
  let received: NodeJS.Signals | undefined;
  const handle = (sig: NodeJS.Signals) => {
    if (received) {
      process.stderr.write(`\nfaildrill: second ${sig}: exiting now; run 'faildrill cleanup' to undo what is left\n`);
      process.exit(sig === 'SIGINT' ? 130 : 143);
    }
    received = sig;
    process.stderr.write(`\nfaildrill: ${sig}: undoing faults and stopping\n`);
    controller.abort(sig);
  };
  const onInt = () => handle('SIGINT');
  const onTerm = () => handle('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: controller.signal,
    release() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
    reraise() {
      if (received) process.kill(process.pid, received);
    },
  };
}
