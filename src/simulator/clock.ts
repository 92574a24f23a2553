import type { Clock } from '../controller/ports.js';
import type { Engine } from './engine.js';

/** The controller's Clock on virtual time: `sleep` resolves when the engine reaches the wake-up event. */
export class VirtualClock implements Clock {
  constructor(private readonly engine: Engine) {}

  nowMs(): number {
    return this.engine.nowMs;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.engine.after(Math.max(0, ms), resolve);
    });
  }
}
