import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message SNS POSTed to the receiver, with the wall time it arrived. */
export interface SnsDelivery {
  /** `Date.now()` when the body had arrived. */
  receivedAtMs: number;
  /** The `x-amz-sns-message-type` header: `SubscriptionConfirmation`, `Notification`, … */
  messageType: string;
  /** The JSON body (SNS HTTP/S delivery format: Type, MessageId, TopicArn, Subject, Message, Timestamp, SubscribeURL, …). */
  body: Record<string, string>;
  /** For a confirmation: the status of our GET of its `SubscribeURL`. */
  confirmStatus?: number;
}

/** An HTTP endpoint on 127.0.0.1 that receives SNS deliveries and confirms subscriptions. */
export interface SnsReceiver {
  url: string;
  deliveries: SnsDelivery[];
  stop(): Promise<void>;
}

/**
 * Starts an SNS HTTP subscriber on a free 127.0.0.1 port. It records every POST and answers a
 * `SubscriptionConfirmation` by GETting its `SubscribeURL` (the handshake of the SNS developer guide,
 * "Confirm the subscription"), then answers 200.
 */
export async function startSnsReceiver(): Promise<SnsReceiver> {
  const deliveries: SnsDelivery[] = [];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const receivedAtMs = Date.now();
    let body: Record<string, string> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
    } catch {
      body = { unparsed: Buffer.concat(chunks).toString('utf8') };
    }
    const delivery: SnsDelivery = { receivedAtMs, messageType: String(req.headers['x-amz-sns-message-type'] ?? body.Type ?? ''), body };
    deliveries.push(delivery);
    if (delivery.messageType === 'SubscriptionConfirmation' && body.SubscribeURL) {
      const answer = await fetch(body.SubscribeURL).catch(() => undefined);
      delivery.confirmStatus = answer?.status ?? 0;
    }
    res.writeHead(200).end();
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/sns`,
    deliveries,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
