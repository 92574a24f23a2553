import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notification } from '../controller/ports.js';
import { EventLog, type RunEvent } from '../measure/events.js';
import { freePort } from '../targets/aws/emulators/process.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../test/helpers/webhook-receiver.js';
import { DELIVERY_TIMEOUT_MS } from './fan-out.js';
import { openNotifiers } from './registry.js';
import type { NotifySpec } from '../scenario/notify-schema.js';

const receivers: WebhookReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.stop()));
});

async function receiver(options?: { status?: number; delayMs?: number }): Promise<WebhookReceiver> {
  const r = await startWebhookReceiver(options);
  receivers.push(r);
  return r;
}

function log(): EventLog {
  return new EventLog({ nowMs: () => performance.now() });
}

const of = (events: EventLog, component: string, type: string): RunEvent[] => events.events.filter((e) => e.component === component && e.type === type);

/** What the controller's FailoverLog does: the failover event, then its notification. */
function failover(events: EventLog, notifier: { notify(n: Notification): void }, failoverId: string, status: string): void {
  events.emit('controller', 'failover', { failoverId, group: 'lb', layer: 'loadBalancer', direction: 'failover', from: 'primary', to: 'secondary', type: 'automatic', status, reason: 'primary unhealthy' });
  notifier.notify({ atMs: 0, severity: 'warning', summary: `lb: failover ${status}`, failoverId });
}

describe('the fan-out notifier', () => {
  it('delivers each notification to every webhook with the failover event, and a refused one is an error event, not a throw', async () => {
    const ok = await receiver();
    const closed = `http://127.0.0.1:${await freePort()}/hook`;
    const events = log();
    const specs: NotifySpec[] = [
      { type: 'webhook', url: ok.url },
      { type: 'webhook', url: closed, name: 'dead' },
    ];
    const notifier = await openNotifiers({ scenario: { name: 'drill', notify: specs }, events, delivers: true, targetName: 'host' });
    notifier.start();
    expect(of(events, 'notify', 'channels')[0]!.detail.notifiers).toBe('webhook,dead');
    const before = Date.now();
    expect(() => failover(events, notifier, 'fo-1', 'pending')).not.toThrow();
    notifier.notify({ atMs: 0, severity: 'info', summary: 'lb: primary drained' });
    await notifier.flush(DELIVERY_TIMEOUT_MS * 2);
    await notifier[Symbol.asyncDispose]();

    expect(ok.deliveries.map((d) => d.body.summary)).toEqual(['lb: failover pending', 'lb: primary drained']);
    const first = ok.deliveries[0]!.body;
    expect(first).toMatchObject({ source: 'faildrill', scenario: 'drill', severity: 'warning', failoverId: 'fo-1', detail: { status: 'pending', group: 'lb' } });
    expect(Date.parse(String(first.at))).toBeGreaterThanOrEqual(before);
    expect(ok.deliveries[1]!.body.detail).toBeUndefined();
    // both notifications are in the event log whatever the channels do
    expect(of(events, 'notifier', 'notification')).toHaveLength(2);
    const delivered = of(events, 'notify', 'delivered').filter((e) => e.detail.notifier === 'webhook');
    expect(delivered).toHaveLength(2);
    expect(delivered[0]!.detail.failoverId).toBe('fo-1');
    expect(delivered[0]!.detail.latencyMs).toBeGreaterThanOrEqual(0);
    expect(delivered[0]!.detail.latencyMs).toBeLessThan(DELIVERY_TIMEOUT_MS);
    const errors = of(events, 'notify', 'error');
    expect(errors.map((e) => e.detail.notifier)).toEqual(['dead', 'dead']);
    expect(String(errors[0]!.detail.message)).toContain('ECONNREFUSED');
  });

  it('gives up a delivery after at most 2 s (the bound of the notifier contract), whatever timeout is asked for', async () => {
    const slow = await receiver({ delayMs: DELIVERY_TIMEOUT_MS + 1_000 });
    const events = log();
    const notifier = await openNotifiers({ scenario: { name: 'drill', notify: [{ type: 'webhook', url: slow.url }] }, events, delivers: true, targetName: 'host', timeoutMs: 60_000 });
    const sentAt = performance.now();
    failover(events, notifier, 'fo-1', 'pending');
    await notifier.flush(DELIVERY_TIMEOUT_MS + 2_000);
    const [error] = of(events, 'notify', 'error');
    expect(error?.detail.message).toMatch(/no answer in time/);
    expect(error!.atMs - sentAt).toBeGreaterThanOrEqual(DELIVERY_TIMEOUT_MS);
    expect(error!.atMs - sentAt).toBeLessThan(DELIVERY_TIMEOUT_MS + 1_000);
    await notifier[Symbol.asyncDispose]();
  });

  it('delivers in order, one at a time per notifier; what is still queued when the flush gives up is one error event and nothing after it', async () => {
    const slow = await receiver({ delayMs: 300 });
    const events = log();
    const notifier = await openNotifiers({ scenario: { name: 'drill', notify: [{ type: 'webhook', url: slow.url }] }, events, delivers: true, targetName: 'host' });
    for (const status of ['pending', 'in_progress', 'completed']) failover(events, notifier, 'fo-1', status);
    expect(notifier.pending).toBe(3);
    // 3 deliveries of 300 ms each in a row cannot be done in 450 ms: the first is, the rest are not
    await notifier.flush(450);
    const [flushError] = of(events, 'notify', 'error');
    expect(flushError?.detail.message).toMatch(/^2 notification\(s\) not delivered within 450 ms/);
    const count = events.events.length;
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(events.events.length).toBe(count);
    // the second was on its way when the flush gave up (abandoned), the third never left
    expect(slow.deliveries.map((d) => (d.body.detail as Record<string, string>).status)).toEqual(['pending', 'in_progress']);
    expect(of(events, 'notify', 'delivered')).toHaveLength(1);
    await notifier[Symbol.asyncDispose]();
  });

  it('on a target that delivers nothing, keeps notifications in the event log and says so once', async () => {
    const hook = await receiver();
    const events = log();
    const notifier = await openNotifiers({ scenario: { name: 'drill', notify: [{ type: 'webhook', url: hook.url }] }, events, delivers: false, targetName: 'sim' });
    notifier.start();
    failover(events, notifier, 'fo-1', 'pending');
    await notifier.flush(1_000);
    expect(of(events, 'notify', 'note')[0]!.detail.message).toMatch(/^the sim target delivers no notifications \(webhook not called\)/);
    expect(of(events, 'notifier', 'notification')).toHaveLength(1);
    expect(hook.deliveries).toEqual([]);
  });
});
