/** Errors of the keyed state backend. */
import { describeValue as describeKey } from "../core/describe.ts";
import { QueryableStateError } from "../core/errors.ts";
import type { KeyGroupRange } from "../core/key-groups.ts";
import type { StateKind } from "./descriptors.ts";


/**
 * A key was set as current key on a backend that does not own its key group (code
 * `KEY_GROUP_OUT_OF_RANGE`). The record was routed to the wrong subtask, or the key's
 * hash is not deterministic.
 */
export class KeyGroupOutOfRangeError extends QueryableStateError {
  /** The Java exception Flink throws in this case. */
  static readonly javaClassName = "java.lang.IllegalArgumentException";
  /** The key that was set. */
  readonly key: unknown;
  /** The key group the key hashes to. */
  readonly keyGroup: number;
  /** The key groups this backend owns. */
  readonly keyGroupRange: KeyGroupRange;
  /** Builds the error for `key`, which hashed to `keyGroup` of `numberOfKeyGroups`, outside `keyGroupRange`. */
  constructor(key: unknown, keyGroup: number, keyGroupRange: KeyGroupRange, numberOfKeyGroups: number) {
    super(
      "KEY_GROUP_OUT_OF_RANGE",
      `Key ${describeKey(key)} is in key group ${keyGroup} (of ${numberOfKeyGroups}), which is not in this backend's ` +
        `key group range [${keyGroupRange.startKeyGroup}, ${keyGroupRange.endKeyGroup}]. Send the record to the subtask ` +
        "that owns that key group (computeOperatorIndexForKeyGroup), and make sure the key's hashCode is deterministic.",
    );
    this.key = key;
    this.keyGroup = keyGroup;
    this.keyGroupRange = keyGroupRange;
  }
}

/** A state name was requested with a different kind than it was created with (code `STATE_KIND_MISMATCH`). */
export class StateKindMismatchError extends QueryableStateError {
  /** The Java exception Flink throws in this case. */
  static readonly javaClassName = "java.lang.IllegalStateException";
  /** The state's name. */
  readonly stateName: string;
  /** The kind the state was created with. */
  readonly existingKind: StateKind;
  /** The kind that was requested. */
  readonly requestedKind: StateKind;
  /** Builds the error for state `stateName`, created as `existingKind` and requested as `requestedKind`. */
  constructor(stateName: string, existingKind: StateKind, requestedKind: StateKind) {
    super(
      "STATE_KIND_MISMATCH",
      `State '${stateName}' already exists as a ${existingKind} state; it cannot be used as a ${requestedKind} state. ` +
        "Give each state its own name, or use the same kind of descriptor for it.",
    );
    this.stateName = stateName;
    this.existingKind = existingKind;
    this.requestedKind = requestedKind;
  }
}

/** Two states of one backend use the same queryable-state name (code `DUPLICATE_QUERYABLE_STATE_NAME`). */
export class DuplicateQueryableStateNameError extends QueryableStateError {
  /** The Java exception Flink throws in this case. */
  static readonly javaClassName = "java.lang.IllegalStateException";
  /** The queryable name both states use. */
  readonly queryableStateName: string;
  /** Builds the error for `queryableStateName`, used by `existingState` and then requested by `newState`. */
  constructor(queryableStateName: string, existingState: string, newState: string) {
    super(
      "DUPLICATE_QUERYABLE_STATE_NAME",
      `Queryable state name '${queryableStateName}' is already used by state '${existingState}', so state '${newState}' ` +
        "cannot use it too. Give each queryable state its own queryable name.",
    );
    this.queryableStateName = queryableStateName;
  }
}

/** A state was read or written before `setCurrentKey` (code `NO_CURRENT_KEY`). */
export class NoCurrentKeyError extends QueryableStateError {
  /** The Java exception Flink throws in this case. */
  static readonly javaClassName = "java.lang.NullPointerException";
  /** The state that was accessed. */
  readonly stateName: string;
  /** Builds the error for an access to state `stateName`. */
  constructor(stateName: string) {
    super(
      "NO_CURRENT_KEY",
      `State '${stateName}' was accessed with no current key. Call backend.setCurrentKey(key) before reading or writing keyed state.`,
    );
    this.stateName = stateName;
  }
}
