import { AgentError } from "../errors.js";
import { wireForm } from "./wire-values.js";

/**
 * Serialises a host value for the sandbox as JSON: `undefined` becomes null, a bigint its decimal
 * string, a Date its ISO string, a Map an object, a Set an array, bytes and images their tagged
 * wire form (wire-values.ts). Functions, symbols and cycles cannot cross: they throw a TypeError
 * that says which value was the problem.
 */
export function toJsonText(value: unknown): string {
  try {
    return JSON.stringify(value ?? null, function (this: Record<string, unknown>, key: string, item: unknown) {
      // The holder's own value: a Buffer's toJSON has already run on `item`.
      const wire = wireForm(this[key]);
      if (wire !== undefined) return wire;
      if (typeof item === "bigint") return item.toString();
      if (typeof item === "function" || typeof item === "symbol") {
        throw new TypeError(`${key === "" ? "the value" : `'${key}'`} is a ${typeof item}, which cannot be passed into the sandbox`);
      }
      if (item instanceof Map) return Object.fromEntries(item);
      if (item instanceof Set) return [...item];
      return item === undefined ? null : item;
    });
  } catch (error) {
    if (error instanceof RangeError || /circular/i.test(String(error))) {
      throw new TypeError("the value refers to itself; only tree-shaped data can be passed into the sandbox");
    }
    throw error;
  }
}

/** The JSON for `sendVariables`; values that cannot cross fail with an error naming them. */
export function variablesJson(variables: Record<string, unknown>): string {
  try {
    return toJsonText(variables);
  } catch (error) {
    throw new AgentError(`Cannot send these variables to the sandbox: ${(error as Error).message}.`);
  }
}
