// Both public entries as one namespace, for the vector checker (which exercises the user API and
// the protocol toolkit alike).
export * from "../mod.ts";
export * from "../protocol.ts";
