import type { NotifySpec } from '../scenario/notify-schema.js';
import type { ChannelContext, NotifyChannel } from './channel.js';
import { postJson } from './http.js';
import type { NotifyMessage } from './message.js';

/** A generic JSON webhook: every notification is POSTed to `url` as a {@link NotifyMessage}. */
export class WebhookChannel implements NotifyChannel {
  readonly name: string;
  readonly url: string;

  constructor(spec: NotifySpec, context: ChannelContext) {
    this.name = context.name;
    this.url = spec.url!;
  }

  async deliver(message: NotifyMessage, signal: AbortSignal): Promise<boolean> {
    await postJson(this.url, message, signal);
    return true;
  }
}
