/** Exit codes of a drill stopped early, and of a run refused while the kill switch is on (README § Exit codes). */
export const StopExitCode = {
  /** A stop condition of `abort:` tripped: faults undone, reports written, verdict `aborted`. */
  aborted: 4,
  /** The kill switch (`faildrill halt`) stopped the run: faults undone, reports written, verdict `halted`. */
  halted: 5,
  /** The kill switch was on when the run was asked for: nothing was set up. */
  refusedWhileHalted: 6,
} as const;

/**
 * The exit codes, as `--help` prints them after every command.
 *
 * 2 and 3 split by whose fault it is. 2 (usage): the scenario or the command line is wrong in itself
 * and would be wrong on any machine: invalid YAML or fields, an unknown reporter, an empty path, a
 * path under /proc or /sys, a name longer than a file system allows, `--out` naming a file, `--history`
 * naming a folder, a result.json that lacks fields. 3 (environment): the request is sound but this
 * machine refuses it: a missing tool or root, no permission, a read-only or full file system, a report
 * that could not be written after the drill. A closed stdout or stderr changes no exit code; 70 is a
 * bug in faildrill.
 */
export const EXIT_CODES_HELP = `
Exit codes:
  0  the run passed: every expectation holds
  1  an expectation was missed
  2  invalid scenario or usage (the message names file:line:col and the field): bad YAML or fields,
     an empty --out, one under /proc or /sys, a file given as --out or a folder as --history
  3  the environment is missing something the target needs, or refuses to write (permission,
     read-only or full disk)
  4  aborted: a stop condition (abort:) tripped; every fault undone, reports written
  5  halted: the kill switch (faildrill halt) stopped the run; every fault undone, reports written
  6  refused: the kill switch is on (faildrill halt --release lifts it)`;
