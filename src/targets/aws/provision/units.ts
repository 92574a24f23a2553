/** Whole seconds for an API that takes seconds (health check intervals, TTLs, delays); a fraction rounds to the nearest second. */
export function toSeconds(ms: number): number {
  return Math.round(ms / 1000);
}
