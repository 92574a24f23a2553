import type { EventLog } from '../measure/events.js';
import type { Engine } from './engine.js';
import type { SeededRng } from '../random/seeded-rng.js';

/** What every model of the simulated world shares. */
export interface SimContext {
  engine: Engine;
  events: EventLog;
  rng: SeededRng;
  /** Must be called before any change that alters where or how client requests go. */
  beforeRoutingChange(): void;
}
