import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DbMember } from '../db-member.js';
import { routeChanged, type EndpointContext, type WriterEndpoint } from './endpoint.js';

/**
 * `endpoint.mode: controller`: a file of the run's folder names the writer as `host:port`; every app
 * reads it before each write, and the controller rewrites it (beside, then renamed over: a reader sees
 * the old or the new) when the writer changes — the apps follow at their next write.
 */
export class PointerEndpoint implements WriterEndpoint {
  readonly file: string;
  #current?: DbMember;

  constructor(private readonly ctx: EndpointContext) {
    this.file = join(ctx.plan.dir, 'db-writer');
  }

  get locator() {
    return { kind: 'file' as const, file: this.file };
  }

  async setUp(writer: DbMember): Promise<void> {
    this.#write(writer);
  }

  writerChanged(from: DbMember, to: DbMember): void {
    if (this.#current === to) return;
    this.#write(to);
    routeChanged(this.ctx, from, to, 'pointer file');
    this.ctx.routed(to);
  }

  async close(): Promise<void> {}

  #write(member: DbMember): void {
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, `${this.ctx.addressOf(member)}\n`, { mode: 0o644 });
    renameSync(tmp, this.file);
    this.#current = member;
  }
}
