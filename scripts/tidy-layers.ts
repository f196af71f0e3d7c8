// The layer table the tidy check enforces: which folder of src/ may import which. Imports point down
// the table; a layer may always import its own files. src/features/X is one feature: it may use the
// shared layers below it but never another feature (nor the cli above it).

export type Layer = 'cli' | 'features' | 'frontend' | 'services' | 'index' | 'storage' | 'util' | 'limits';

/** Layer → the layers it may import besides itself. Read top to bottom: higher layers first. */
export const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  cli: /*      */ ['features', 'frontend', 'services', 'index', 'storage', 'util', 'limits'],
  features: /* */ ['frontend', 'services', 'index', 'storage', 'util', 'limits'], // not another feature
  frontend: /* */ ['services', 'index', 'storage', 'util', 'limits'], // never a feature: features plug in
  services: /* */ ['index', 'storage', 'util', 'limits'],
  index: /*    */ ['util', 'limits'], // index and storage never import each other
  storage: /*  */ ['util', 'limits'],
  util: /*     */ ['limits'],
  limits: /*   */ ['util'],
};

/** Where a file of src/ sits: its layer, and for a feature, which one (`features/<name>`). */
export interface Place {
  layer: Layer;
  unit: string;
}

/** The place of a path relative to src/ (forward slashes), or undefined for a file in no layer. */
export function placeOf(srcRelative: string): Place | undefined {
  if (srcRelative === 'limits.ts') return { layer: 'limits', unit: 'limits' };
  const parts = srcRelative.split('/');
  const top = parts[0];
  if (parts.length < 2 || top === undefined) return undefined;
  if (top === 'features') {
    // src/features/<name>/… is the feature <name>; a file directly in src/features/ belongs to none.
    const name = parts[1];
    return parts.length >= 3 && name !== undefined ? { layer: 'features', unit: `features/${name}` } : undefined;
  }
  if ((Object.keys(MAY_IMPORT) as string[]).includes(top) && top !== 'limits') {
    return { layer: top as Layer, unit: top };
  }
  return undefined;
}

/** Why `from` may not import `to`, or undefined when the table allows it. */
export function layerViolation(from: Place, to: Place): string | undefined {
  if (from.unit === to.unit) return undefined;
  if (from.layer === 'features' && to.layer === 'features') {
    return `a feature (${from.unit}) imports another feature (${to.unit})`;
  }
  if (MAY_IMPORT[from.layer].includes(to.layer)) return undefined;
  return `${from.layer} may import only ${MAY_IMPORT[from.layer].join(', ')}; not ${to.layer}`;
}
