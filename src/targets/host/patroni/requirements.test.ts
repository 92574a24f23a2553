import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../scenario/load.js';
import { hostRequirements } from '../preflight.js';
import { PATRONI_INSTALL_COMMAND } from './install.js';
import { patroniRequirements, usesPatroni } from './requirements.js';

const scenario = (layer: 'platform' | 'controller', engine = 'postgres-streaming') =>
  parseScenario(
    `name: p
duration: 5m
setup:
  servers: [{ id: db-a }, { id: db-b }]
  database: { engine: ${engine}, primary: db-a, standby: db-b }
controller: { layers: { database: ${layer} } }
`,
    'p.yaml',
  ).scenario;

describe('Patroni prerequisites', () => {
  it('a postgres-streaming scenario with the platform failing over needs patroni and etcd; the preflight names them when absent', () => {
    expect(usesPatroni(scenario('platform'))).toBe(true);
    const missing = patroniRequirements(scenario('platform'), () => undefined, () => undefined).filter((r) => !r.present());
    expect(missing.map((r) => [r.name, r.install])).toEqual(
      expect.arrayContaining([
        ['patroni', PATRONI_INSTALL_COMMAND],
        ['etcd', 'apt-get install etcd-server'],
      ]),
    );
    expect(hostRequirements(scenario('platform')).map((r) => r.name)).toEqual(expect.arrayContaining(['patroni', 'etcd']));
  });

  it('nothing of Patroni when our controller fails the database over, or for another engine', () => {
    expect(patroniRequirements(scenario('controller'), () => undefined)).toEqual([]);
    expect(patroniRequirements(scenario('platform', 'rds-multi-az-instance'), () => undefined)).toEqual([]);
    expect(hostRequirements(scenario('controller')).map((r) => r.name)).not.toContain('patroni');
  });
});
