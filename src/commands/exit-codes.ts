/** The exit codes, as `--help` prints them after every command. */
export const EXIT_CODES_HELP = `
Exit codes:
  0  the run passed: every expectation holds
  1  an expectation was missed
  2  invalid scenario or usage (the message names file:line:col and the field)
  3  the environment is missing something the target needs`;
