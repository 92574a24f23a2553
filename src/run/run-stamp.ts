/** A UTC time stamp that sorts as text and fits a file name: `20261123T204512Z` (run ids, sweep folders, host runs). */
export function runStamp(at: Date = new Date()): string {
  return at.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}
