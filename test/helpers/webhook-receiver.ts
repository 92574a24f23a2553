import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One POST the receiver got, with the wall time its body had arrived. */
export interface WebhookDelivery {
  receivedAtMs: number;
  path: string;
  body: Record<string, unknown>;
}

export interface WebhookReceiver {
  url: string;
  deliveries: WebhookDelivery[];
  stop(): Promise<void>;
}

/**
 * A JSON webhook receiver on a free 127.0.0.1 port: records each POST and answers `status` (200),
 * after `delayMs` (0) — a slow receiver for timeout tests.
 */
export async function startWebhookReceiver(options: { status?: number; delayMs?: number } = {}): Promise<WebhookReceiver> {
  const deliveries: WebhookDelivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const receivedAtMs = Date.now();
      const text = Buffer.concat(chunks).toString('utf8');
      let body: Record<string, unknown>;
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = { unparsed: text };
      }
      deliveries.push({ receivedAtMs, path: req.url ?? '', body });
      const answer = () => res.writeHead(options.status ?? 200, { 'content-type': 'text/plain' }).end('ok');
      if (!options.delayMs) return answer();
      const timer = setTimeout(() => (timers.delete(timer), answer()), options.delayMs);
      timers.add(timer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
