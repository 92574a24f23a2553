import type { NotifySpec } from '../scenario/notify-schema.js';
import type { NotifyMessage } from './message.js';

/** One notifier of a run: a webhook, an Alertmanager, an SNS topic. */
export interface NotifyChannel {
  /** Its name in `notify` events (`webhook`, `alertmanager-2`, or the scenario's `name`). */
  readonly name: string;
  /**
   * Delivers one message; resolves once the receiver accepted it, rejects with the reason otherwise.
   * `signal` aborts it (the fan-out's per-delivery timeout). Returns false when the channel does not
   * take this kind of message (Alertmanager takes failover events only).
   */
  deliver(message: NotifyMessage, signal: AbortSignal): Promise<boolean>;
  /** Releases sockets and clients. */
  close?(): void;
}

/** What a channel factory gets besides its spec. */
export interface ChannelContext {
  /** The channel's name in events. */
  name: string;
  scenario: string;
}

/** Builds a channel from its `notify:` entry. */
export type ChannelFactory = (spec: NotifySpec, context: ChannelContext) => NotifyChannel | Promise<NotifyChannel>;
