import { formatValue, type ExpectationResult } from '../../measure/expectations.js';
import type { FaultMetrics } from '../../measure/metrics.js';
import type { RunResult } from '../../run/result.js';
import { formatCount, formatMs, formatRatio } from '../format.js';
import { boundNote } from './bound-bars.js';

export type Status = 'pass' | 'fail' | 'none';

/** One metric card: the figure, its limit, green (pass), red (fail) or grey (no limit). */
export interface Card {
  name: string;
  value: string;
  sub: string;
  limit: string;
  status: Status;
}

const EXPECTATION_CARDS: Array<{ name: string; title: string; key: 'detectionMs' | 'switchMs' | 'rtoMs' | 'failbackMs' }> = [
  { name: 'detection', title: 'Detection', key: 'detectionMs' },
  { name: 'switch', title: 'Switch', key: 'switchMs' },
  { name: 'rto', title: 'RTO', key: 'rtoMs' },
  { name: 'failback', title: 'Failback', key: 'failbackMs' },
];

function statusOf(expectations: readonly ExpectationResult[]): Status {
  if (expectations.length === 0) return 'none';
  return expectations.every((e) => e.pass) ? 'pass' : 'fail';
}

function limitText(expectations: readonly ExpectationResult[]): string {
  return expectations.length === 0 ? 'no limit set' : expectations.map((e) => `limit ${e.limit}`).join(' · ');
}

/** Cards for detection, switch, RTO, failback, downtime, errors, RPO, split brain, other expectations and invariants. */
export function cardsOf(result: RunResult): Card[] {
  const m = result.metrics;
  const find = (...names: string[]) => result.expectations.filter((e) => names.includes(String(e.name)));
  const FIGURE: Partial<Record<keyof FaultMetrics, string>> = { detectionMs: 'detection', switchMs: 'switch', rtoMs: 'rto', failbackMs: 'failback' };
  const worstFault = (key: keyof FaultMetrics, value: number | null) => {
    if (value === null) return 'did not happen';
    const f = m.perFault.find((p) => p[key] === value);
    const bound = boundNote(f, FIGURE[key] ?? '');
    return f ? `worst: ${f.faultId}${key === 'detectionMs' && f.detectedBy ? ` (by ${f.detectedBy})` : ''}${bound ? `; ${bound}` : ''}` : '';
  };
  const switchSub = (sub: string) => (m.timeToSwitchMs === null ? sub : `${sub}; fault to switch ${formatMs(m.timeToSwitchMs)}`);
  const rtoSub = (sub: string) => (m.firstSuccessMs === null ? sub : `${sub}; first success ${formatMs(m.firstSuccessMs)}`);
  const cards: Card[] = EXPECTATION_CARDS.map(({ name, title, key }) => {
    const expectations = find(name);
    const sub = worstFault(key, m[key]);
    const withMore = key === 'switchMs' ? switchSub(sub) : key === 'rtoMs' ? rtoSub(sub) : sub;
    return { name: title, value: formatMs(m[key]), sub: withMore, limit: limitText(expectations), status: statusOf(expectations) };
  });
  const downtime = find('downtime');
  cards.push({ name: 'Downtime', value: formatMs(m.downtimeMs), sub: `time below the recovery rule; errors from first to last ${formatMs(m.errorSpanMs)}; ${formatMs(m.resolutionMs)} resolution`, limit: limitText(downtime), status: statusOf(downtime) });
  const errors = find('errors', 'errorRate');
  cards.push({
    name: 'Errors',
    value: formatCount(m.errorCount),
    sub: `${formatRatio(m.errorRate)} of ${formatCount(m.requestCount)} requests`,
    limit: limitText(errors),
    status: statusOf(errors),
  });
  // RPO when a database took part
  if (result.events.some((e) => e.component === 'db') || find('rpo', 'lostWrites').length > 0) {
    const expectations = find('rpo', 'lostWrites');
    const unavailable = m.writesUnavailableMs !== null && m.writesUnavailableMs !== undefined ? `; writes unavailable ${formatMs(m.writesUnavailableMs)}` : '';
    const writes = `${formatCount(m.lostWrites)} acknowledged write${m.lostWrites === 1 ? '' : 's'} lost${unavailable}`;
    cards.push({ name: 'RPO', value: formatMs(m.rpoMs), sub: writes, limit: limitText(expectations), status: statusOf(expectations) });
  }
  const splitBrain = find('splitBrain');
  if (splitBrain.length > 0 || m.splitBrainMs > 0) {
    const periods = m.splitBrains.length;
    cards.push({ name: 'Split brain', value: formatMs(m.splitBrainMs), sub: `${periods} period${periods === 1 ? '' : 's'} with two VIP holders`, limit: limitText(splitBrain), status: statusOf(splitBrain) });
  }
  const shown = new Set(['detection', 'switch', 'rto', 'failback', 'downtime', 'errors', 'errorRate', 'rpo', 'lostWrites', 'splitBrain']);
  for (const e of result.expectations.filter((x) => !shown.has(String(x.name)))) {
    const name = String(e.name);
    const bounded = name === 'replacement' ? boundNote(m.perFault.find((f) => f.replacementMs !== null && f.replacementMs === e.actual), 'replacement') : '';
    cards.push({ name: name.charAt(0).toUpperCase() + name.slice(1), value: formatValue(e.unit, e.actual), sub: e.actual === null ? 'did not happen' : bounded, limit: `limit ${e.limit}`, status: e.pass ? 'pass' : 'fail' });
  }
  const invariants = result.invariants;
  if (invariants.length > 0) {
    const broken = invariants.filter((i) => !i.pass);
    cards.push({
      name: 'Invariants',
      value: `${invariants.length - broken.length}/${invariants.length} held`,
      sub: broken.length > 0 ? broken.map((i) => i.message).join('; ') : invariants.map((i) => i.name).join(', '),
      limit: 'all must hold',
      status: broken.length > 0 ? 'fail' : 'pass',
    });
  }
  return cards;
}

