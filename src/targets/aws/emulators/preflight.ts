import type { Missing } from '../../../run/target.js';
import { LOCALSTACK_VENV, MOTO_VENV, venvMissing, venvStatus, type VenvSpec } from './venv.js';

/** The emulators faildrill can start. */
export type EmulatorKind = 'moto' | 'localstack';

const SPECS: Record<EmulatorKind, VenvSpec> = { moto: MOTO_VENV, localstack: LOCALSTACK_VENV };

/**
 * What this machine lacks to start the emulators `kinds` (for a target's `preflight`: exit 3), each
 * naming its fix (`npx faildrill setup aws`, `… --localstack`). Empty when every venv holds its pin.
 */
export async function missingEmulators(kinds: readonly EmulatorKind[], env: NodeJS.ProcessEnv = process.env): Promise<Missing[]> {
  const missing: Missing[] = [];
  for (const kind of new Set(kinds)) {
    const status = await venvStatus(SPECS[kind], env);
    if (!status.usable) missing.push(venvMissing(SPECS[kind], status));
  }
  return missing;
}
