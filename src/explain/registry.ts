import { autoscalingLayer } from './layers/autoscaling.js';
import { controllerLayer } from './layers/controller.js';
import { databaseLayer } from './layers/database.js';
import { keepalivedLayer } from './layers/keepalived.js';
import { route53Layer } from './layers/route53.js';
import { targetGroupLayer } from './layers/target-group.js';
import type { FaultContext, LayerExplainer, LayerKey } from './types.js';

/** One module per layer, keyed by what a fault hits. */
export const LAYER_EXPLAINERS: Record<LayerKey, LayerExplainer> = {
  route53: route53Layer,
  targetGroup: targetGroupLayer,
  keepalived: keepalivedLayer,
  controller: controllerLayer,
  database: databaseLayer,
  autoscaling: autoscalingLayer,
};

/** The layer modules a fault concerns. */
export function layersHit(ctx: FaultContext): LayerExplainer[] {
  return Object.values(LAYER_EXPLAINERS).filter((layer) => layer.hits(ctx));
}
