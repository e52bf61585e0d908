import type { ExecutorName } from '../../config/types.js';
import type { Executor, ExecutorDeps, ExecutorFactory } from '../types.js';
import { createDockerExecutor } from './docker.js';
import { createRegistryExecutor } from './registry.js';

const FACTORIES: Record<ExecutorName, ExecutorFactory> = { docker: createDockerExecutor, registry: createRegistryExecutor };

/** One executor per name the plan's copies use; each is closed when the run ends. */
export function createExecutors(names: Iterable<ExecutorName>, deps: ExecutorDeps): Map<ExecutorName, Executor> {
  return new Map([...new Set(names)].map((name) => [name, FACTORIES[name](deps)]));
}
