import { faultCatalogue } from '../faults/catalogue.js';
import { faultAbility, LAYER_KEYS, LAYER_TITLES, type Ability, type LayerAbility, type Support } from '../run/capabilities.js';
import { matrixColumns } from './registry.js';

const MARK: Record<Support, string> = { yes: '✅', planned: '🔜', no: '—' };

function cell(ability: LayerAbility): string {
  if (ability.support === 'no') return '—';
  const kinds = ability.kinds ? ` (kind ${ability.kinds.map((k) => `\`${k}\``).join(' or ')})` : '';
  return `${MARK[ability.support]} ${ability.how}${kinds}`;
}

/**
 * The capability matrix as a Markdown table, as the README holds it (a test keeps them equal): one
 * row per layer, fault action and the operations, one column per registered or planned target, each
 * cell read from that target's capabilities.
 */
export function capabilityTable(): string {
  const columns = matrixColumns();
  const row = (name: string, pick: (c: (typeof columns)[number]) => Ability) => `| ${name} | ${columns.map((c) => cell(pick(c))).join(' | ')} |`;
  return [
    `| layer / fault | ${columns.map((c) => c.title).join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
    ...LAYER_KEYS.map((layer) => row(LAYER_TITLES[layer], (c) => c.capabilities.layers[layer])),
    ...faultCatalogue.map((kind) => row(`fault \`${kind.action}\``, (c) => faultAbility(c.capabilities, kind.action))),
    row('planned failover, manual failover and failback', (c) => c.capabilities.operations),
    row('notifications (`notify:`)', (c) => c.capabilities.notify ?? { support: 'no', how: '—' }),
  ].join('\n');
}
