import { describe, expect, it } from 'vitest';
import { pendingFaults } from './replay.js';

describe('pendingFaults', () => {
  it('keeps the faults journaled as applied and not undone, in journal order', () => {
    const pending = pendingFaults([
      { op: 'fault', id: 'a', action: 'aws:ec2:stop-instances', target: 'web', steps: [{ kind: 'start-instances', instanceIds: ['i-1'] }] },
      { op: 'fault', id: 'b', action: 'aws:ec2:terminate-instances', target: 'web', steps: [] },
      { op: 'fault.undone', id: 'a' },
      { op: 'fault', id: 'c', action: 'aws:network:disrupt-connectivity', target: 'web', steps: [] },
    ]);
    expect(pending.map((f) => f.id)).toEqual(['b', 'c']);
  });
  it('is empty when every fault was undone', () => {
    expect(pendingFaults([{ op: 'fault', id: 'a', action: 'x', target: 't', steps: [] }, { op: 'fault.undone', id: 'a' }])).toEqual([]);
  });
});
