export { gatherInventory } from './gather.js';
export { openFactsCache } from './facts-cache.js';
export { resolveCacheDir } from '../util/cache-dir.js';
export type { FactsCache, FactsCacheStats, ManifestFacts } from './facts-cache.js';
export type { GatherOptions, InventoryEvent, InventorySelection } from './types.js';
export { gatherReferrers } from './plan-referrers.js';
export { gatherPrunedReferrers } from './prune-referrers.js';
export { currentSourceRepositories, mayBeRepository } from './source-repositories.js';
