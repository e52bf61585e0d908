export { createOcidirRegistry } from './registry.js';
export { REF_NAME } from './layout.js';
