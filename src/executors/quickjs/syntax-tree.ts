/** Walking acorn's syntax trees without a visitor library: nodes as records, and their children. */
import type { Node } from "acorn";

/** An acorn node with its type-specific fields reachable by name. */
export type AnyNode = Node & Record<string, unknown>;

export function isNode(value: unknown): value is AnyNode {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/** The node's direct children, in source order of their fields. */
export function childNodes(node: AnyNode): AnyNode[] {
  const children: AnyNode[] = [];
  for (const key of Object.keys(node)) {
    if (key === "loc") continue;
    const child = node[key];
    if (Array.isArray(child)) {
      for (const item of child) if (isNode(item)) children.push(item);
    } else if (isNode(child)) children.push(child);
  }
  return children;
}
