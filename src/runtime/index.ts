// Public API of the controller runtime. Reconcilers import from here only. See docs/runtime.md.
export type {
  Cache,
  Caches,
  ControllerDeps,
  ControllerRegistration,
  EventRecorder,
  EventType,
  Finalizers,
  IndexDefinition,
  KubeClient,
  KubeList,
  KubeObject,
  ListOptions,
  PatchType,
  ReconcileContext,
  ReconcileResult,
  Reconciler,
  ResourceType,
  StatusUpdateResult,
  StatusWriter,
  WatchDefinition,
} from './types.ts';
export type { Config } from '../config.ts';
export { TerminalError, KubeApiError, isNotFound, isConflict, errorMessage } from './errors.ts';
export { keyOf, indexKey, parseKey } from './keys.ts';
export { referenceIndex, watchReferenced } from './references.ts';
export { CORE, SERVICE_NAME_LABEL, apiVersionOf } from './resources.ts';
export {
  getCondition,
  isConditionTrue,
  setCondition,
  removeCondition,
  setOutcome,
  type Condition,
  type ConditionInput,
  type ConditionStatus,
  type Outcome,
} from './conditions.ts';
export { isDeleting, hasFinalizer, generationOf } from './objects.ts';
export { boundList, boundText, joinBounded, MAX_MESSAGE_ITEMS, MAX_STATUS_LIST, MAX_STATUS_TEXT } from './bounded.ts';
