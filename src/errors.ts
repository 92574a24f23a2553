/**
 * Error classes with stable codes. The CLI maps each class to an exit code; reports key on `code`.
 * Exit codes: 0 pass, 1 an expectation missed, 2 invalid scenario or usage, 3 environment missing something.
 */
export const ExitCode = {
  pass: 0,
  expectationMissed: 1,
  invalidInput: 2,
  environment: 3,
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Base of every error faildrill raises on purpose. */
export abstract class FaildrillError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: ExitCode;
}

/** One problem found in a scenario file, located as precisely as the source allows. */
export interface ScenarioIssue {
  file: string;
  line: number;
  col: number;
  /** Field path such as `setup.dns.healthCheck.interval` or `faults[1].target`. */
  path: string;
  message: string;
}

/** A scenario file that cannot be run: YAML syntax, schema or cross-reference problems. */
export class ScenarioError extends FaildrillError {
  readonly code = 'SCENARIO_INVALID';
  readonly exitCode = ExitCode.invalidInput;
  constructor(readonly issues: ScenarioIssue[]) {
    super(issues.map(formatIssue).join('\n'));
    this.name = 'ScenarioError';
  }
}

/** One line per issue, `file:line:col: path: message`, whatever the message holds (a key may span lines). */
export function formatIssue(issue: ScenarioIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.col}`;
  const message = issue.message.replace(/\s*\n\s*/g, ' ');
  return issue.path ? `${where}: ${issue.path}: ${message}` : `${where}: ${message}`;
}

/** Bad command-line usage (unknown option, missing argument, unsupported target). */
export class UsageError extends FaildrillError {
  readonly code = 'USAGE';
  readonly exitCode = ExitCode.invalidInput;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The machine lacks something a target needs (a tool, root, an endpoint). */
export class EnvironmentError extends FaildrillError {
  readonly code = 'ENVIRONMENT';
  readonly exitCode = ExitCode.environment;
  constructor(
    message: string,
    readonly missing: string[] = [],
  ) {
    super(message);
    this.name = 'EnvironmentError';
  }
}
