import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertmanager, type AlertmanagerHandle } from '../../test/helpers/alertmanager.js';
import { AlertmanagerChannel, FAILOVER_ALERTNAME } from './alertmanager.js';
import type { NotifyMessage } from './message.js';

const CONTEXT = { name: 'alertmanager', scenario: 'drill' };

function message(failoverId: string, direction: string, status: string, at: string, severity: NotifyMessage['severity'] = 'warning'): NotifyMessage {
  return {
    source: 'faildrill',
    scenario: 'drill',
    atMs: 0,
    at,
    severity,
    summary: `lb: ${direction} ${status}`,
    failoverId,
    detail: { failoverId, group: 'lb', direction, from: 'primary', to: 'secondary', type: 'automatic', status, reason: 'r' },
  };
}

describe('Alertmanager alerts of failover events', () => {
  it('fires one alert per failover with the scenario labels, keeps it through completion and resolves it with the failback', () => {
    const channel = new AlertmanagerChannel({ type: 'alertmanager', url: 'http://127.0.0.1:9/', labels: { team: 'sre', alertname: 'overridden' } }, CONTEXT);
    expect(channel.alertsUrl).toBe('http://127.0.0.1:9/api/v2/alerts');
    const [opened] = channel.alertsOf(message('fo-1', 'failover', 'pending', 't1'));
    expect(opened).toEqual({
      labels: { team: 'sre', alertname: FAILOVER_ALERTNAME, scenario: 'drill', severity: 'warning', failoverId: 'fo-1', group: 'lb', direction: 'failover' },
      annotations: expect.objectContaining({ summary: 'lb: failover pending', status: 'pending' }),
      startsAt: 't1',
    });
    const completed = channel.alertsOf(message('fo-1', 'failover', 'completed', 't2'));
    expect(completed).toHaveLength(1);
    expect(completed[0]).toMatchObject({ labels: opened!.labels, startsAt: 't1' });
    expect(completed[0]!.endsAt).toBeUndefined();
    expect(channel.alertsOf(message('fo-2', 'failback', 'pending', 't3', 'info'))[0]!.endsAt).toBeUndefined();
    const back = channel.alertsOf(message('fo-2', 'failback', 'completed', 't4', 'info'));
    expect(back.map((a) => [a.labels.failoverId, a.startsAt, a.endsAt])).toEqual([
      ['fo-1', 't1', 't4'],
      ['fo-2', 't3', 't4'],
    ]);
  });

  it('resolves and replaces an alert whose severity changes; declines notifications that are no failover event', () => {
    const channel = new AlertmanagerChannel({ type: 'alertmanager', url: 'http://127.0.0.1:9' }, CONTEXT);
    channel.alertsOf(message('fo-1', 'failover', 'pending', 't1'));
    const failed = channel.alertsOf(message('fo-1', 'failover', 'failed', 't2', 'critical'));
    expect(failed.map((a) => [a.labels.severity, a.endsAt])).toEqual([
      ['warning', 't2'],
      ['critical', undefined],
    ]);
    expect(failed[1]!.startsAt).toBe('t1');
    expect(channel.alertsOf({ source: 'faildrill', scenario: 'drill', atMs: 0, at: 't', severity: 'info', summary: 'drained' })).toEqual([]);
  });
});

describe('Alertmanager on loopback (prometheus-alertmanager)', () => {
  let am: AlertmanagerHandle;
  beforeAll(async () => {
    am = await startAlertmanager();
  }, 30_000);
  afterAll(async () => {
    await am?.stop();
  });

  it('lists the failover alert through GET /api/v2/alerts until the failback resolves it', async () => {
    const channel = new AlertmanagerChannel({ type: 'alertmanager', url: am.url, labels: { team: 'sre' } }, CONTEXT);
    const now = () => new Date().toISOString();
    expect(await channel.deliver(message('fo-1', 'failover', 'completed', now()), AbortSignal.timeout(2_000))).toBe(true);
    const listed = await am.alerts();
    expect(listed.map((a) => a.labels)).toEqual([
      { team: 'sre', alertname: FAILOVER_ALERTNAME, scenario: 'drill', severity: 'warning', failoverId: 'fo-1', group: 'lb', direction: 'failover' },
    ]);
    expect(listed[0]!.status.state).toBe('active');
    expect(listed[0]!.annotations.summary).toBe('lb: failover completed');
    await channel.deliver(message('fo-2', 'failback', 'completed', now(), 'info'), AbortSignal.timeout(2_000));
    expect(await am.alerts()).toEqual([]);
    const refused = new AlertmanagerChannel({ type: 'alertmanager', url: `${am.url}/nothing-here` }, CONTEXT);
    await expect(refused.deliver(message('fo-3', 'failover', 'pending', now()), AbortSignal.timeout(2_000))).rejects.toThrow(/^HTTP 404/);
  });
});
