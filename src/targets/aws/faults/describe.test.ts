import { describe, expect, it } from 'vitest';
import { describeAwsFault, placeholderResources } from './describe.js';
import { effectInputs } from './effects.js';
import { experimentTemplateInput } from './fis-template.js';

const resources = placeholderResources('s', ['web-1'], { id: 'orders-db', standby: 'db-b' }, 'us-east-1');
const stop = { id: 'web-1-stopped', action: 'aws:ec2:stop-instances', target: 'web-1', durationMs: 60_000 };

describe('the aws dry run names the calls injectAwsFault makes', () => {
  it('on an emulator: the FIS template and experiment, then the effect faildrill applies; undo reverses it and stops the experiment', () => {
    const plan = describeAwsFault(stop, resources, true);
    expect(plan.apply).toEqual([
      `fis CreateExperimentTemplate ${JSON.stringify(experimentTemplateInput(stop, resources))}`,
      expect.stringMatching(/^fis StartExperiment \{"experimentTemplateId":"<experiment template id of web-1-stopped>"/),
      `ec2 StopInstances ${JSON.stringify(effectInputs.stopInstances('<instance id of web-1>'))}`,
    ]);
    expect(plan.undo).toEqual([`ec2 StartInstances {"InstanceIds":["<instance id of web-1>"]}`, 'fis StopExperiment {"id":"<experiment id of web-1-stopped>"}']);
  });

  it('on a real account: FIS runs the action, so only the experiment is started and stopped', () => {
    const plan = describeAwsFault(stop, resources, false);
    expect(plan.apply.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['fis CreateExperimentTemplate', 'fis StartExperiment']);
    expect(plan.undo).toEqual(['fis StopExperiment {"id":"<experiment id of web-1-stopped>"}']);
  });

  it('cuts a subnet off with a deny-all network ACL made before the experiment starts, and puts the original back', () => {
    const plan = describeAwsFault({ id: 'cut', action: 'aws:network:disrupt-connectivity', target: 'web-1' }, resources, true);
    expect(plan.apply.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual([
      'fis CreateExperimentTemplate',
      'ec2 CreateNetworkAcl',
      'ec2 CreateNetworkAclEntry',
      'ec2 CreateNetworkAclEntry',
      'fis StartExperiment',
      'ec2 ReplaceNetworkAclAssociation',
    ]);
    expect(plan.undo.map((c) => c.split(' ').slice(0, 2).join(' '))).toEqual(['ec2 ReplaceNetworkAclAssociation', 'ec2 DeleteNetworkAcl', 'fis StopExperiment']);
  });
});
