import { isAlias, isCollection, isPair, isScalar, visit, type Document, type Node } from 'yaml';

/**
 * Bounds on YAML aliases, checked before any alias is expanded: a scenario is a few kilobytes, so
 * these leave room for any anchor use a person writes, and refuse alias bombs ("billion laughs")
 * and heavy reuse before they cost memory or time. The yaml library resolves each alias by a scan of
 * the whole document, so the number of aliases is bounded as well as what they expand to.
 */
export const ALIAS_LIMITS = {
  /** Aliases (`*name`, also `<<: *name`) in one document. */
  maxAliases: 1_000,
  /** Nodes all aliases together expand to (a scalar is 1 node, a collection 1 + its items). */
  maxExpandedNodes: 10_000,
} as const;

/** An alias the loader refuses, at the source offset of the alias. */
export interface AliasProblem {
  offset: number;
  message: string;
}

/**
 * The first alias that is unresolved, refers to a node that contains it, or takes the document past
 * {@link ALIAS_LIMITS}; undefined when every alias is fine. Aliases resolve as the yaml library does:
 * to the last node with that anchor before the alias, in document order.
 */
export function aliasProblem(doc: Document): AliasProblem | undefined {
  const anchors = new Map<string, Node>();
  const resolved = new Map<Node, Node>();
  const sizes = new Map<Node, number>();
  let aliases = 0;
  let expanded = 0;
  let problem: AliasProblem | undefined;
  visit(doc, {
    Node(_key, node, path) {
      if (isAlias(node)) {
        const offset = node.range?.[0] ?? 0;
        const source = anchors.get(node.source);
        if (!source) problem = { offset, message: `alias *${node.source} has no anchor &${node.source} before it` };
        else if (path.includes(source)) problem = { offset, message: `alias *${node.source} refers to a node that contains it (a cycle)` };
        else if (++aliases > ALIAS_LIMITS.maxAliases)
          problem = { offset, message: `more than ${ALIAS_LIMITS.maxAliases} aliases in one scenario; write the values out or use fewer anchors` };
        else {
          resolved.set(node, source);
          expanded += sizeOf(source, resolved, sizes);
          if (expanded > ALIAS_LIMITS.maxExpandedNodes)
            problem = {
              offset,
              message: `alias *${node.source} takes the document's aliases past ${ALIAS_LIMITS.maxExpandedNodes} expanded values (an alias bomb?); write the values out or use fewer anchors`,
            };
        }
        return problem ? visit.BREAK : undefined;
      }
      if (node.anchor) anchors.set(node.anchor, node);
      return undefined;
    },
  });
  return problem;
}

/**
 * How many nodes `node` stands for with its aliases expanded; memoised per node, so a bomb costs a
 * few steps per anchor. Every alias inside `node` was resolved by the walk before (an anchor comes
 * before its aliases). The result may be Infinity for an absurd document; it is only compared.
 */
function sizeOf(node: unknown, resolved: Map<Node, Node>, sizes: Map<Node, number>): number {
  if (isAlias(node)) {
    const source = resolved.get(node);
    return source ? sizeOf(source, resolved, sizes) : 1;
  }
  if (isPair(node)) return sizeOf(node.key, resolved, sizes) + sizeOf(node.value, resolved, sizes);
  if (!isCollection(node)) return isScalar(node) ? 1 : 0;
  const known = sizes.get(node);
  if (known !== undefined) return known;
  sizes.set(node, Infinity); // an alias inside its own anchor: a cycle, reported by the walk
  let total = 1;
  for (const item of node.items) total += sizeOf(item, resolved, sizes);
  sizes.set(node, total);
  return total;
}
