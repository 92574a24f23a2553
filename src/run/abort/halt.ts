/** The kill switch as set: why, since when, by whom, and where it was read. */
export interface HaltState {
  reason: string;
  /** ISO time it was set, when known. */
  since?: string;
  /** `user@host pid N` of `faildrill halt`, when known. */
  by?: string;
  /** The halt file, or the environment variable that set it. */
  source: string;
}

/**
 * The machine-wide kill switch as a drill sees it (`faildrill halt`): checked before every injection
 * and watched while the run goes. The CLI gives the runner the file-backed one (`halt-file.ts`); tests
 * give it their own.
 */
export interface HaltSwitch {
  /** The halt now; undefined while drills may run. */
  state(): HaltState | undefined;
  /** Calls `onHalt` once, within {@link HALT_POLL_MS} of the halt being set; returns a function that stops watching. */
  watch(onHalt: (state: HaltState) => void): () => void;
}

/** How often a running drill looks at the halt at most (a file watch usually sees it sooner). */
export const HALT_POLL_MS = 250;

/** Names the halt in messages: `halted by /run/faildrill/halt (reason: …, since …, by …)`. */
export function describeHalt(state: HaltState): string {
  const facts = [`reason: ${state.reason}`, ...(state.since ? [`since ${state.since}`] : []), ...(state.by ? [`by ${state.by}`] : [])];
  return `${state.source} (${facts.join(', ')})`;
}
