import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../errors.js';
import { assertRunnable } from '../run/capability-check.js';
import { awsCapabilities } from '../targets/aws/capabilities.js';
import { hostCapabilities } from '../targets/host/capabilities.js';
import { simCapabilities } from '../targets/sim/capabilities.js';
import { parseScenario } from './load.js';

const head = `name: notified
duration: 1m
setup:
  servers: [{ id: a }]
`;

function issuesOf(text: string): string[] {
  try {
    parseScenario(text, 'n.yaml');
  } catch (err) {
    if (err instanceof ScenarioError) return err.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
    throw err;
  }
  return [];
}

describe('notify: in a scenario', () => {
  it('takes webhook, alertmanager and sns entries; absent, an empty list', () => {
    const text = `${head}notify:
  - { type: webhook, url: "https://hooks.example.com/drill" }
  - { type: alertmanager, url: "http://127.0.0.1:9093", labels: { team: sre } }
  - { type: sns, topicArn: "arn:aws:sns:eu-west-1:123456789012:drills", endpoint: "http://127.0.0.1:5000" }
  - { type: sns }
`;
    expect(parseScenario(text, 'n.yaml').scenario.notify.map((n) => n.type)).toEqual(['webhook', 'alertmanager', 'sns', 'sns']);
    expect(parseScenario(head, 'n.yaml').scenario.notify).toEqual([]);
  });

  it('names line, column, field and the fix of each mistake', () => {
    const text = `${head}notify:
  - { type: webhook }
  - { type: webhook, url: "ftp://x", labels: { a: b } }
  - { type: alertmanager, url: "http://127.0.0.1:9093", labels: { "bad-name": x } }
  - { type: pager, url: "http://127.0.0.1:1" }
  - { type: sns, topicArn: "my-topic" }
  - { type: webhook, url: "http://127.0.0.1:1", name: a }
  - { type: webhook, url: "http://127.0.0.1:2", name: a, secret: s }
`;
    // line:col of `needle` in the text (1-based), where the message must point
    const at = (line: number, needle: string) => `${line}:${text.split('\n')[line - 1]!.indexOf(needle) + 1}`;
    expect(issuesOf(text)).toEqual([
      `${at(6, '{')} notify[0].url: webhook needs url`,
      `${at(7, '"ftp')} notify[1].url: expected an http:// or https:// URL`,
      `${at(7, '{ a')} notify[1].labels: labels does not apply to webhook; it takes url`,
      `${at(8, 'x }')} notify[2].labels.bad-name: expected a label name such as team ([a-zA-Z_][a-zA-Z0-9_]*), not 'bad-name'`,
      `${at(9, 'pager')} notify[3].type: expected one of webhook, alertmanager, sns; got the text 'pager'`,
      `${at(10, '"my-topic"')} notify[4].topicArn: expected an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:drills; got the text 'my-topic'`,
      `${at(12, 'secret')} notify[6].secret: unknown key 'secret'; expected one of type, name, url, labels, topicArn, endpoint, region`,
    ]);
  });

  it('refuses a name used twice (checked once every entry is valid)', () => {
    const text = `${head}notify:\n  - { type: webhook, url: "http://127.0.0.1:1", name: a }\n  - { type: sns, name: a }\n`;
    expect(issuesOf(text)).toEqual([`7:${'  - { type: sns, name: a }'.indexOf('a }') + 1} notify[1].name: name 'a' is already used by notify[0]`]);
  });

  it('exits 2 for sns without topicArn where the target has no topic of its own (host); the aws target defaults to its run topic, the simulator delivers nothing', () => {
    const loaded = parseScenario(`${head}notify:\n  - { type: webhook, url: "http://127.0.0.1:1" }\n  - { type: sns }\n`, 'n.yaml');
    expect(() => assertRunnable(hostCapabilities, 'host', loaded)).toThrow(
      'n.yaml:7:7: notify[1].type: sns needs topicArn on the host target (only the aws target has a topic of its own)',
    );
    expect(() => assertRunnable({ ...awsCapabilities, layers: { ...awsCapabilities.layers } }, 'aws', loaded)).not.toThrow();
    expect(() => assertRunnable(simCapabilities, 'sim', loaded)).not.toThrow();
  });
});
