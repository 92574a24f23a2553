import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/measure/events.js';
import { FAILOVER_ALERTNAME } from '../../src/notify/alertmanager.js';
import { assertRunnable } from '../../src/run/capability-check.js';
import { buildResult } from '../../src/run/result.js';
import { runDrill } from '../../src/run/runner.js';
import { parseScenario } from '../../src/scenario/load.js';
import { freePort } from '../../src/targets/aws/emulators/process.js';
import { hostRequirements } from '../../src/targets/host/preflight.js';
import { hostTarget } from '../../src/targets/host/target.js';
import { startAlertmanager, type AlertmanagerHandle, type ListedAlert } from '../helpers/alertmanager.js';
import { repoRoot } from '../helpers/cli.js';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.js';

/** The issue: "on the host and aws targets a failover event reaches each [notifier] within 1 s". */
const NOTIFY_WITHIN_MS = 1_000;
const DRILL_TIMEOUT_MS = 120_000;

/**
 * scenarios/host-nginx-upstream.yaml as shipped (its expectations hold on the host), with notifiers:
 * the primary app stops at 10 s for 15 s, the controller fails over and back.
 */
const scenarioText = (notify: string) => `${readFileSync(join(repoRoot, 'scenarios/host-nginx-upstream.yaml'), 'utf8')}\nnotify:\n${notify}\n`;

describe('host target: notifications (webhook, Alertmanager) of a real drill', () => {
  let hook: WebhookReceiver;
  let am: AlertmanagerHandle;
  beforeAll(async () => {
    const missing = hostRequirements(parseScenario(scenarioText('  - { type: webhook, url: "http://127.0.0.1:1" }'), 'host-nginx-upstream.yaml').scenario).filter((r) => !r.present());
    if (missing.length > 0) throw new Error(`host tests need: ${missing.map((r) => `${r.name} (${r.install})`).join(', ')} — run npm test as root`);
    hook = await startWebhookReceiver();
    am = await startAlertmanager();
  }, 30_000);
  afterAll(async () => {
    await hook?.stop();
    await am?.stop();
  });

  it(
    'every failover event reaches the webhook and Alertmanager within 1 s; the alert is listed with the scenario labels until the failback resolves it; a refused webhook is an error event and the verdict stays pass',
    async () => {
      const closed = `http://127.0.0.1:${await freePort()}/hook`;
      const loaded = parseScenario(
        scenarioText(
          [`  - { type: webhook, url: "${hook.url}" }`, `  - { type: alertmanager, url: "${am.url}", labels: { team: sre } }`, `  - { type: webhook, name: dead, url: "${closed}" }`].join('\n'),
        ),
        'host-nginx-upstream.yaml',
      );
      assertRunnable(hostTarget.capabilities, 'host', loaded);
      // wall time of each failover event, read as it is emitted; Alertmanager's list once it accepted the failover's completion
      const wallAt = new Map<RunEvent, number>();
      let listedDuringRun: Promise<ListedAlert[]> | undefined;
      let completedId: unknown;
      const record = await runDrill(hostTarget, loaded.scenario, {
        seed: loaded.scenario.seed,
        file: 'host-nginx-upstream.yaml',
        onEvent: (e) => {
          if (e.component === 'controller' && e.type === 'failover') wallAt.set(e, Date.now());
          if (e.component === 'controller' && e.type === 'failover' && e.detail.direction === 'failover' && e.detail.status === 'completed') completedId = e.detail.failoverId;
          if (e.component === 'notify' && e.type === 'delivered' && e.detail.notifier === 'alertmanager' && e.detail.failoverId === completedId && !listedDuringRun)
            listedDuringRun = am.alerts();
        },
      });
      const result = buildResult(loaded, record);
      const failovers = [...wallAt.keys()];
      expect(failovers.map((e) => `${String(e.detail.direction)}:${String(e.detail.status)}`)).toContain('failover:completed');

      // the webhook: one POST per failover event, each within 1 s of the event's wall time
      const lags: number[] = [];
      for (const event of failovers) {
        const delivery = hook.deliveries.find((d) => {
          const detail = d.body.detail as Record<string, unknown> | undefined;
          return d.body.failoverId === event.detail.failoverId && detail?.status === event.detail.status;
        });
        expect(delivery, `webhook got ${String(event.detail.failoverId)} ${String(event.detail.status)}`).toBeDefined();
        expect(delivery!.body.detail).toEqual(event.detail);
        expect(delivery!.body.scenario).toBe('host-nginx-upstream');
        const lagMs = delivery!.receivedAtMs - wallAt.get(event)!;
        lags.push(lagMs);
        expect(lagMs).toBeGreaterThanOrEqual(0);
        expect(lagMs).toBeLessThanOrEqual(NOTIFY_WITHIN_MS);
      }

      // Alertmanager accepted each failover event within 1 s (its delivered event follows the 200 answer)
      const delivered = result.events.filter((e) => e.component === 'notify' && e.type === 'delivered');
      const failoverEvents = result.events.filter((e) => e.component === 'controller' && e.type === 'failover');
      for (const event of failoverEvents) {
        const accepted = delivered.find((d) => d.detail.notifier === 'alertmanager' && d.detail.failoverId === event.detail.failoverId && d.atMs >= event.atMs);
        expect(accepted, `alertmanager got ${String(event.detail.failoverId)} ${String(event.detail.status)}`).toBeDefined();
        expect(accepted!.atMs - event.atMs).toBeLessThanOrEqual(NOTIFY_WITHIN_MS);
      }
      const amLags = failoverEvents.map((e) => delivered.find((d) => d.detail.notifier === 'alertmanager' && d.detail.failoverId === e.detail.failoverId && d.atMs >= e.atMs)!.atMs - e.atMs);
      process.stdout.write(`host notify: ${failovers.length} failover events; webhook lag max ${Math.max(...lags)} ms; alertmanager accepted within max ${Math.max(...amLags).toFixed(1)} ms\n`);
      const completed = failoverEvents.find((e) => e.detail.direction === 'failover' && e.detail.status === 'completed')!;
      expect(listedDuringRun, 'Alertmanager accepted the completed failover').toBeDefined();
      const alert = (await listedDuringRun!).find((a) => a.labels.failoverId === completed.detail.failoverId);
      expect(alert?.labels).toEqual({
        team: 'sre',
        alertname: FAILOVER_ALERTNAME,
        scenario: 'host-nginx-upstream',
        severity: 'warning',
        failoverId: String(completed.detail.failoverId),
        group: String(completed.detail.group),
        direction: 'failover',
      });
      expect(alert!.status.state).toBe('active');
      expect(alert!.annotations.status).toBe('completed');
      // the failback completed: both alerts resolved, so Alertmanager lists neither
      expect(result.failovers.map((f) => `${f.direction}:${f.status}`)).toEqual(['failover:completed', 'failback:completed']);
      expect(await am.alerts()).toEqual([]);

      // the refused webhook: an error per notification, nothing else changes
      const errors = result.events.filter((e) => e.component === 'notify' && e.type === 'error');
      expect(errors.length).toBe(result.events.filter((e) => e.component === 'notifier' && e.type === 'notification').length);
      expect(errors.every((e) => e.detail.notifier === 'dead' && String(e.detail.message).includes('ECONNREFUSED'))).toBe(true);
      expect(result.verdict, JSON.stringify(result.expectations)).toBe('pass');
    },
    DRILL_TIMEOUT_MS,
  );
});
