import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../../../scenario/load.js';
import { planTopology } from '../topology.js';
import { DB_VIP_PRIORITY } from '../../../scenario/db-vip.js';
import { dbKeepalivedConfig, WRITER_CHECK, WRITER_CHECK_PROGRAM } from './vip-keepalived.js';

const text = readFileSync(new URL('../../../../scenarios/host-postgres-vip.yaml', import.meta.url), 'utf8');
const scenario = parseScenario(text, 'host-postgres-vip.yaml').scenario;
const spec = scenario.setup.database!;
const plan = planTopology(scenario, 'run-1', 'abc123', '/run/faildrill/run-1');

describe('keepalived.conf of a database member (endpoint mode vip)', () => {
  const vip = spec.endpoint.vip!;

  it("tracks the writer check with weight 0 (keepalived.conf(5): failed, the instance is in FAULT) at the scenario's interval, timeout, fall and rise", () => {
    const conf = dbKeepalivedConfig(plan, spec, vip, { server: 'db-a', role: 'primary', socketDir: '/run/faildrill/run-1/pg/db-a' }, '/usr/lib/postgresql/15/bin/psql');
    const { intervalMs, timeoutMs, fall, rise } = vip.check;
    expect(conf).toContain(`vrrp_script ${WRITER_CHECK} {`);
    expect(conf).toMatch(new RegExp(`interval ${intervalMs / 1000}\\n\\s+timeout ${timeoutMs / 1000}\\n\\s+weight 0\\n\\s+fall ${fall}\\n\\s+rise ${rise}\\n`));
    expect(conf).toContain('pg-writer-check.sh /usr/lib/postgresql/15/bin/psql /run/faildrill/run-1/pg/db-a 5432 ');
    expect(conf).toMatch(new RegExp(`track_script \\{\\n\\s+${WRITER_CHECK}\\n`));
  });

  it('holds the run\'s database VIP (.99 of its /24) with VRRPv2 timers, the primary MASTER at 100, the standby BACKUP at 90', () => {
    expect(plan.dbVip).toBe(`${plan.subnet.split('.').slice(0, 3).join('.')}.99`);
    const primary = dbKeepalivedConfig(plan, spec, vip, { server: 'db-a', role: 'primary', socketDir: '/s/a' }, 'psql');
    const standby = dbKeepalivedConfig(plan, spec, vip, { server: 'db-b', role: 'standby', socketDir: '/s/b' }, 'psql');
    expect(primary).toMatch(new RegExp(`state MASTER\\n\\s+interface eth0\\n\\s+virtual_router_id ${vip.virtualRouterId}\\n\\s+priority ${DB_VIP_PRIORITY.primary}\\n\\s+advert_int ${vip.advertIntMs / 1000}\\n`));
    expect(standby).toMatch(new RegExp(`state BACKUP\\n\\s+interface eth0\\n\\s+virtual_router_id ${vip.virtualRouterId}\\n\\s+priority ${DB_VIP_PRIORITY.standby}\\n`));
    for (const conf of [primary, standby]) {
      expect(conf).toContain(`${plan.dbVip}/24 dev eth0`);
      expect(conf).not.toMatch(/^\s*version /m);
      expect(conf).not.toMatch(/nopreempt/);
    }
  });
});

describe('the writer check script', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fd-writer-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const script = join(dir, 'pg-writer-check.sh');
  writeFileSync(script, WRITER_CHECK_PROGRAM, { mode: 0o700 });
  /** A stand-in psql answering `answer` (or failing to connect), recording its arguments. */
  const psql = (answer: string | undefined) => {
    const file = join(dir, `psql-${answer ?? 'refused'}`);
    const body = answer === undefined ? 'echo "could not connect" >&2; exit 2' : `echo "$@" > "${file}.args"; echo ${answer}`;
    writeFileSync(file, `#!/bin/bash\n${body}\n`, { mode: 0o700 });
    return file;
  };
  const run = (program: string) => spawnSync('bash', [script, program, '/sock', '5432', 'super', 'postgres', join(dir, 'runs.log')], { encoding: 'utf8' });

  it('passes only when PostgreSQL answers t to SELECT NOT pg_is_in_recovery(), asked over the socket folder, and logs each run', () => {
    const writer = psql('t');
    expect(run(writer).status).toBe(0);
    expect(readFileSync(`${writer}.args`, 'utf8')).toBe('-h /sock -p 5432 -U super -d postgres -XAtqc SELECT NOT pg_is_in_recovery()\n');
    expect(run(psql('f')).status).toBe(1);
    expect(run(psql(undefined)).status).toBe(1);
    const runs = readFileSync(join(dir, 'runs.log'), 'utf8').trim().split('\n').map(Number);
    expect(runs).toHaveLength(3);
    for (const epochSec of runs) expect(Math.abs(epochSec * 1000 - Date.now())).toBeLessThan(60_000);
  });
});
