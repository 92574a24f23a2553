import { describe, expect, it } from 'vitest';
import { faildrill, tempFile } from '../helpers/cli.js';

const valid = `name: ok
duration: 5m
setup:
  servers:
    - id: a
    - id: b
  dns:
    record: app.example.com
    primary: a
    secondary: b
faults:
  - id: f1
    at: 1m
    action: service-stop
    target: a
`;

/** Replaces one line of the valid scenario (1-based line number). */
const withLine = (line: number, text: string) => valid.split('\n').map((l, i) => (i === line - 1 ? text : l)).join('\n');

describe('faildrill validate', () => {
  it('accepts a valid scenario with exit 0', () => {
    const file = tempFile('ok.yaml', valid);
    const r = faildrill(['validate', file]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('ok (ok, 1 faults)');
  });

  const cases: Array<{ name: string; text: string; where: string; path: string; says: RegExp }> = [
    {
      name: 'an unknown key',
      text: withLine(6, '    - id: b\n      colour: red'),
      where: ':7:7',
      path: 'setup.servers[1].colour',
      says: /unknown key 'colour'; expected one of id, latency, zone/,
    },
    { name: 'a wrong type', text: withLine(2, 'duration: 300'), where: ':2:11', path: 'duration', says: /expected a duration such as 500ms, 30s, 5m or 1m30s/ },
    {
      name: 'an unknown server id in a fault',
      text: withLine(15, '    target: c'),
      where: ':15:13',
      path: 'faults[0].target',
      says: /unknown server 'c'; expected one of a, b/,
    },
    {
      name: 'a fault after the end of the run',
      text: withLine(13, '    at: 6m'),
      where: ':13:9',
      path: 'faults[0].at',
      says: /fault at 6m is not before the end of the run \(duration 5m\)/,
    },
    { name: 'a YAML syntax error', text: withLine(3, 'setup: [oops'), where: ':3:', path: '', says: /YAML syntax/ },
    {
      name: 'a missing required field',
      text: valid.replace('duration: 5m\n', ''),
      where: ':1:1',
      path: 'duration',
      says: /missing; expected a duration such as 500ms, 30s, 5m or 1m30s/,
    },
    {
      name: 'an unknown fault action',
      text: withLine(14, '    action: explode'),
      where: ':14:13',
      path: 'faults[0].action',
      says: /expected one of service-stop, process-pause, latency/,
    },
    {
      name: 'an out-of-range threshold',
      text: withLine(10, '    secondary: b\n    healthCheck: { failureThreshold: 11 }'),
      where: ':11:38',
      path: 'setup.dns.healthCheck.failureThreshold',
      says: /expected an integer from 1 to 10/,
    },
  ];

  it.each(cases)('rejects $name with exit 2, file:line:col, the field path and what was expected', ({ text, where, path, says }) => {
    const file = tempFile('bad.yaml', text);
    const r = faildrill(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}${where}`);
    if (path) expect(r.stderr).toContain(`: ${path}: `);
    expect(r.stderr).toMatch(says);
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(r.stdout).toBe('');
  });

  it('run refuses an invalid scenario with exit 2 before doing anything', () => {
    const file = tempFile('bad.yaml', withLine(15, '    target: c'));
    const r = faildrill(['run', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}:15:13: faults[0].target: unknown server 'c'`);
  });

  it('reports a missing file with exit 2', () => {
    const r = faildrill(['validate', '/nonexistent/x.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('/nonexistent/x.yaml:0:0: cannot read scenario: no such file');
  });
});
