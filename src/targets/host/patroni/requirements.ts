import { existsSync } from 'node:fs';
import type { Scenario } from '../../../scenario/schema.js';
import { programFile } from '../programs/locate.js';
import { PATRONI_INSTALL_COMMAND, PATRONI_PIN, patroniProgram } from './install.js';
import { osUser } from './node.js';
import { RELAY_PROGRAM } from './relay-client.js';
import { postgresBinDir } from './settings.js';

/** Whether a scenario runs Patroni on the host: postgres-streaming with the platform failing over. */
export function usesPatroni(scenario: Scenario): boolean {
  return scenario.setup.database?.engine === 'postgres-streaming' && scenario.controller.layers.database === 'platform';
}

/** One thing Patroni needs on this machine (the shape of the host preflight's requirements). */
export interface PatroniRequirement {
  name: string;
  why: string;
  install: string;
  present: () => boolean;
}

/**
 * What a Patroni scenario needs beyond the host target's own tools; `findProgram` looks a program up
 * on PATH, `findPatroni` the pinned Patroni ({@link patroniProgram}).
 */
export function patroniRequirements(
  scenario: Scenario,
  findProgram: (name: string) => string | undefined,
  findPatroni: () => string | undefined = () => patroniProgram(),
): PatroniRequirement[] {
  if (!usesPatroni(scenario)) return [];
  const why = 'setup.database with layers.database: platform (Patroni)';
  return [
    { name: 'patroni', why: `${why}: Patroni ${PATRONI_PIN.version} in ${PATRONI_PIN.dir}`, install: PATRONI_INSTALL_COMMAND, present: () => findPatroni() !== undefined },
    { name: 'etcd', why: `${why}: its DCS`, install: 'apt-get install etcd-server', present: () => findProgram('etcd') !== undefined },
    { name: 'PostgreSQL server programs', why: `${why}: Patroni runs PostgreSQL`, install: 'apt-get install postgresql', present: () => postgresBinDir() !== undefined },
    { name: "the 'postgres' account", why: 'PostgreSQL refuses to run as root', install: 'apt-get install postgresql-common', present: () => osUser('postgres') !== undefined },
    { name: 'compiled Patroni relay', why: 'the observer talks to Patroni, etcd and PostgreSQL through it', install: 'npm run build', present: () => existsSync(programFile(RELAY_PROGRAM)) },
  ];
}
