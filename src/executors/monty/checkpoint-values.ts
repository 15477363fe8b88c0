/**
 * What a checkpoint does with the values Monty hands over: data goes into the namespace as values,
 * functions and imports the statement just defined as source to define again, and any other object
 * (a function made by a call, a module alias, an iterator) is recorded as lost, so that a later
 * use of its name can say why it is gone.
 */
import type { MontyNamespace, StoredValue } from "./monty-namespace.js";
import type { Checkpoint } from "./monty-program.js";
import { isMarker } from "./monty-values.js";

const FUNCTION_REPR = /^<function '[^']*' at 0x[0-9a-f]+>$/;
const MODULE_REPR = /^<module '[^']*'>$/;
const RANGE_REPR = /^range\(-?\d+, -?\d+(, -?\d+)?\)$/;
/** Types whose values convert to JavaScript and back without loss (nested floats aside). */
const DATA_TYPES = new Set([
  "NoneType", "bool", "int", "float", "str", "bytes", "list", "tuple", "dict", "set", "frozenset",
  "date", "datetime", "datetime.datetime", "timedelta", "timezone", "ellipsis",
]);
/** Containers a change through one name shows through every other name for it. */
const SHAREABLE_TYPES = new Set(["list", "dict", "set"]);
const DESCRIPTIONS: Record<string, string> = {
  function: "a function",
  builtin_function_or_method: "a built-in function",
  module: "a module",
  type: "a class",
  iterator: "an iterator",
};

/**
 * Applies checkpoint `arguments_` (the external call's positional arguments after its id) to the
 * namespace. Returns the value of the snippet's last expression when the checkpoint carries it.
 */
export function applyCheckpoint(namespace: MontyNamespace, checkpoint: Checkpoint, arguments_: unknown[]): { value?: unknown } {
  const pairs = checkpoint.hasValue ? arguments_.slice(1) : arguments_;
  const identities = new Map<string, string>();
  checkpoint.names.forEach((name, index) => {
    const pair = pairs[index];
    if (!Array.isArray(pair) || pair.length < 2) return; // unbound at this point
    const type = typeName(pair[1], pair[0]);
    keep(namespace, checkpoint, name, pair[0], type);
    // (value, type, identity): only a mutable container shared by two names needs its identity kept.
    if (pair.length > 2 && SHAREABLE_TYPES.has(type)) identities.set(name, String(pair[2]));
  });
  namespace.setSharing(checkpoint.names, identities);
  return checkpoint.hasValue ? { value: arguments_[0] } : {};
}

function keep(namespace: MontyNamespace, checkpoint: Checkpoint, name: string, value: unknown, type: string): void {
  const { statement } = checkpoint;
  if (type === "range" && typeof value === "string" && RANGE_REPR.test(value)) {
    // A range's repr is the code that makes it again.
    namespace.setDefinition(name, `${name} = ${value}`, statement.firstLine);
    return;
  }
  // Exceptions convert both ways; with type probes off ("unknown") the value's shape is all there is.
  if (DATA_TYPES.has(type) || type === "unknown" || (isMarker(value) && value.__monty_type__ === "Exception")) {
    if (holdsObject(value, 0)) namespace.setLost(name, "a value holding functions or modules");
    else namespace.setValue(name, stored(value, type));
    return;
  }
  // Anything else (a match object, a path, a dict view) would come back as a string or a list.
  const objectDescription = DESCRIPTIONS[type] ?? `a ${type} object`;
  if (!statement.bound.has(name)) {
    // Mentioned, not bound here: a function or import defined earlier is still what it was.
    if (!namespace.isDefinition(name)) namespace.setLost(name, objectDescription);
    return;
  }
  const definition = statement.definitions.get(name) ?? statement.imports.find((binding) => binding.name === name)?.source;
  if (definition !== undefined) namespace.setDefinition(name, definition, statement.firstLine);
  else namespace.setLost(name, objectDescription);
}

function stored(value: unknown, type: string): StoredValue {
  if (type === "float" && typeof value === "number" && Number.isInteger(value)) return { value, fixup: "float" };
  if (type === "frozenset") return { value, fixup: "frozenset" };
  return { value };
}

/** The type's name from a checkpoint's type probe, or a guess from the value when probes are off. */
function typeName(probe: unknown, value: unknown): string {
  if (isMarker(probe) && probe.__monty_type__ === "Type") return String(probe.value);
  if (typeof value === "string" && FUNCTION_REPR.test(value)) return "function";
  if (typeof value === "string" && MODULE_REPR.test(value)) return "module";
  if (isMarker(value) && value.__monty_type__ === "BuiltinFunction") return "builtin_function_or_method";
  if (isMarker(value) && value.__monty_type__ === "Type") return "type";
  return "unknown";
}

function holdsObject(value: unknown, depth: number): boolean {
  if (depth > 64) return false;
  if (typeof value === "string") return FUNCTION_REPR.test(value) || MODULE_REPR.test(value);
  if (isMarker(value)) return value.__monty_type__ === "BuiltinFunction" || value.__monty_type__ === "Type";
  if (Array.isArray(value) || value instanceof Set) return [...value].some((item) => holdsObject(item, depth + 1));
  if (value instanceof Map) return [...value].some(([key, item]) => holdsObject(key, depth + 1) || holdsObject(item, depth + 1));
  return false;
}
