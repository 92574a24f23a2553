import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../../scenario/load.js';
import { databaseLimits, databaseRefusal } from './db-limits.js';

const scenario = (file: string) => parseScenario(readFileSync(fileURLToPath(new URL(`../../../../scenarios/${file}`, import.meta.url)), 'utf8'), file).scenario;

describe('the aws database layer: limits and emulator refusals', () => {
  it('service-stop stops a database member only', () => {
    expect(databaseLimits(scenario('aws-db-replica-promotion.yaml'))).toEqual([]);
    const problems = databaseLimits(scenario('host-nginx-upstream.yaml'));
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toEqual(['faults', 0, 'target']);
  });

  it('refuses postgres-streaming (PostgreSQL on hosts, not an RDS engine), naming the endpoint for a database VIP', () => {
    const engine = databaseLimits(scenario('host-postgres-failover.yaml'));
    expect(engine.map((p) => p.path)).toEqual([['setup', 'database', 'engine']]);
    expect(engine[0]!.message).toMatch(/not an RDS engine.*--target host or sim/);
    const vip = databaseLimits(scenario('host-postgres-vip.yaml'));
    expect(vip.map((p) => p.path)).toEqual([['setup', 'database', 'endpoint']]);
    expect(vip[0]!.message).toMatch(/keepalived address/);
  });

  it('refuses a forceFailover reboot on an emulator (moto ignores ForceFailover) and service-stop on a real account', () => {
    expect(databaseRefusal(scenario('db-multi-az.yaml'), true)).toMatch(/forceFailover.*moto ignores ForceFailover/);
    expect(databaseRefusal(scenario('db-multi-az.yaml'), false)).toBeUndefined();
    expect(databaseRefusal(scenario('aws-db-multi-az.yaml'), true)).toBeUndefined();
    expect(databaseRefusal(scenario('aws-db-replica-promotion.yaml'), true)).toBeUndefined();
    expect(databaseRefusal(scenario('aws-db-replica-promotion.yaml'), false)).toMatch(/service-stop/);
  });
});
