import { ExitCode, FaildrillError } from '../../../errors.js';
import type { Missing } from '../../../run/target.js';

/** The command that installs what the emulators need. */
export const SETUP_COMMAND = 'npx faildrill setup aws';

/** An emulator cannot run on this machine: no suitable Python, or its virtualenv is absent or stale. Exit 3. */
export class EmulatorMissingError extends FaildrillError {
  readonly code = 'EMULATOR_MISSING';
  readonly exitCode = ExitCode.environment;
  constructor(readonly missing: Missing[]) {
    super(missing.map((m) => `missing ${m.name} (needed for ${m.why}): ${m.install}`).join('\n'));
    this.name = 'EmulatorMissingError';
  }
}

/** An emulator was there but did not start or answer (port taken, crash, timeout). Exit 3. */
export class EmulatorStartError extends FaildrillError {
  readonly code = 'EMULATOR_START';
  readonly exitCode = ExitCode.environment;
  constructor(message: string) {
    super(message);
    this.name = 'EmulatorStartError';
  }
}

/** Creating or updating an emulator's virtualenv failed (no network to PyPI, a build error). Exit 3. */
export class VenvInstallError extends FaildrillError {
  readonly code = 'VENV_INSTALL';
  readonly exitCode = ExitCode.environment;
  constructor(message: string) {
    super(message);
    this.name = 'VenvInstallError';
  }
}
