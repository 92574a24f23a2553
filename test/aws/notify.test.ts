import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import type { RunEvent } from '../../src/measure/events.js';
import { FAILOVER_ALERTNAME } from '../../src/notify/alertmanager.js';
import { assertRunnable } from '../../src/run/capability-check.js';
import { runDrill } from '../../src/run/runner.js';
import { parseScenario } from '../../src/scenario/load.js';
import { SNS_HTTP_ENDPOINT_ENV } from '../../src/targets/aws/session.js';
import { awsTarget } from '../../src/targets/aws/target.js';
import { startAlertmanager, type AlertmanagerHandle } from '../helpers/alertmanager.js';
import { repoRoot } from '../helpers/cli.js';
import { startSnsReceiver, type SnsReceiver } from '../helpers/sns-receiver.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/** The issue: "on the host and aws targets a failover event reaches each [notifier] within 1 s". */
const NOTIFY_WITHIN_MS = 1_000;
const DRILL_TIMEOUT_MS = 180_000;

/**
 * scenarios/aws-lb-failover.yaml, shorter: both primary instances stop at 10 s for the rest of the run,
 * so the controller fails over (its 3 checks 5 s apart: within 15 s, as that file explains) and the
 * failover's alert still fires at the end. No expectations: this test is about the notifications.
 */
function scenarioText(notify: unknown[]): string {
  const doc = parse(readFileSync(join(repoRoot, 'scenarios/aws-lb-failover.yaml'), 'utf8')) as Record<string, unknown>;
  doc.name = 'aws-notify';
  doc.duration = '40s';
  doc.faults = (doc.faults as Array<Record<string, unknown>>).map(({ duration: _removed, ...fault }) => ({ ...fault, at: '10s' }));
  delete doc.expect;
  doc.notify = notify;
  return stringify(doc);
}

describe('aws target (moto): notifications to SNS, a webhook and Alertmanager', () => {
  let sns: SnsReceiver;
  let hook: WebhookReceiver;
  let am: AlertmanagerHandle;
  beforeAll(async () => {
    [sns, hook, am] = await Promise.all([startSnsReceiver(), startWebhookReceiver(), startAlertmanager()]);
    process.env[SNS_HTTP_ENDPOINT_ENV] = sns.url;
  }, 30_000);
  afterAll(async () => {
    delete process.env[SNS_HTTP_ENDPOINT_ENV];
    await Promise.all([sns?.stop(), hook?.stop(), am?.stop()]);
  });

  it(
    "each failover event reaches the run's SNS topic (once), the webhook and Alertmanager within 1 s",
    async () => {
      const loaded = parseScenario(scenarioText([{ type: 'sns' }, { type: 'webhook', url: hook.url }, { type: 'alertmanager', url: am.url }]), 'aws-notify.yaml');
      assertRunnable(awsTarget.capabilities, 'aws', loaded);
      const wallAt = new Map<RunEvent, number>();
      const record = await runDrill(awsTarget, loaded.scenario, {
        seed: loaded.scenario.seed,
        file: 'aws-notify.yaml',
        settings: { aws: 'moto' },
        onEvent: (e) => {
          if (e.component === 'controller' && e.type === 'failover') wallAt.set(e, Date.now());
        },
      });
      const failovers = [...wallAt.keys()];
      expect(failovers.map((e) => `${String(e.detail.direction)}:${String(e.detail.status)}`)).toContain('failover:completed');
      expect(record.events.filter((e) => e.component === 'notify' && e.type === 'error')).toEqual([]);

      // SNS (moto delivers to the HTTP subscription): one message per failover event — the run's notifier publishes them, the notify plane does not publish them again
      const snsMessages = sns.deliveries
        .filter((d) => d.messageType === 'Notification')
        .map((d) => ({ receivedAtMs: d.receivedAtMs, message: JSON.parse(d.body.Message ?? '{}') as Record<string, unknown> }))
        .filter((m) => m.message.source === 'faildrill');
      expect(snsMessages).toHaveLength(failovers.length);
      const lags: Record<string, number[]> = { sns: [], webhook: [], alertmanager: [] };
      for (const event of failovers) {
        const matches = (body: Record<string, unknown>) => body.failoverId === event.detail.failoverId && (body.detail as Record<string, unknown> | undefined)?.status === event.detail.status;
        const viaSns = snsMessages.find((m) => matches(m.message));
        const viaHook = hook.deliveries.find((d) => matches(d.body));
        expect(viaSns, `sns got ${String(event.detail.failoverId)} ${String(event.detail.status)}`).toBeDefined();
        expect(viaHook, `webhook got ${String(event.detail.failoverId)} ${String(event.detail.status)}`).toBeDefined();
        expect(viaSns!.message.detail).toEqual(event.detail);
        lags.sns!.push(viaSns!.receivedAtMs - wallAt.get(event)!);
        lags.webhook!.push(viaHook!.receivedAtMs - wallAt.get(event)!);
        const accepted = record.events.find((d) => d.component === 'notify' && d.type === 'delivered' && d.detail.notifier === 'alertmanager' && d.detail.failoverId === event.detail.failoverId && d.atMs >= event.atMs);
        expect(accepted, `alertmanager got ${String(event.detail.failoverId)} ${String(event.detail.status)}`).toBeDefined();
        lags.alertmanager!.push(accepted!.atMs - event.atMs);
      }
      process.stdout.write(`aws notify (moto): ${failovers.length} failover events; max lag ms ${JSON.stringify(Object.fromEntries(Object.entries(lags).map(([k, v]) => [k, Math.round(Math.max(...v))])))}\n`);
      for (const lag of Object.values(lags).flat()) {
        expect(lag).toBeGreaterThanOrEqual(0);
        expect(lag).toBeLessThanOrEqual(NOTIFY_WITHIN_MS);
      }
      const completed = failovers.find((e) => e.detail.direction === 'failover' && e.detail.status === 'completed')!;
      const alert = (await am.alerts()).find((a) => a.labels.failoverId === completed.detail.failoverId);
      expect(alert?.labels).toMatchObject({ alertname: FAILOVER_ALERTNAME, scenario: 'aws-notify', direction: 'failover', group: String(completed.detail.group) });
      expect(alert!.status.state).toBe('active');
    },
    DRILL_TIMEOUT_MS,
  );
});
