import { keptSize, MAX_KEPT_DEPTH } from "./kept-size.js";
import { lineIndex, parsePython, wordsOf } from "./python-syntax.js";
import { whileLoops, type WhileLoop } from "./while-loops.js";

/**
 * A function or import kept as source: Monty cannot hand such objects to the host, so later runs
 * define them again from this text before the new code runs.
 */
export interface Definition {
  name: string;
  source: string;
  /** Identifier-like words of the source: what it may use. */
  words: Set<string>;
  /** Creation order, so definitions run in the order they were first made. */
  order: number;
  /** The line of the snippet it came from where the source begins. */
  firstLine: number;
  /** Its `while` loops, which the program makes pause now and then. */
  loops: WhileLoop[];
}

/** A value of the Monty heap, converted to JavaScript; `fixup` restores what the conversion loses. */
export interface StoredValue {
  value: unknown;
  /** An integral float comes back as a JS integer, a frozenset as a Set: the run converts them back. */
  fixup?: "float" | "frozenset";
}

type Entry =
  | { kind: "value"; stored: StoredValue }
  | { kind: "definition"; definition: Definition }
  | { kind: "lost"; description: string; dropped?: boolean };

/** What one run needs from the namespace. */
export interface NamespaceSelection {
  /** Values to pass in as Monty inputs. */
  inputs: Map<string, StoredValue>;
  /** Names to bind to an input's object before the code runs (`b = a`): they shared it when last seen. */
  aliases: Map<string, string>;
  /** For each name that shares its object with others, all the names that share it. */
  sharing: Map<string, string[]>;
  /** Definitions to run first, each after those it uses. */
  definitions: Definition[];
}

/**
 * The persistent namespace of a Monty executor. Monty runs one program at a time, so variables
 * live here between runs: data as converted values (passed back as inputs), functions and imports
 * as source (defined again), and names whose objects could not be kept, to explain their absence.
 */
export class MontyNamespace {
  private readonly entries = new Map<string, Entry>();
  /** Names whose values were one object (a list, dict or set) when last seen, each mapped to all of them. */
  private readonly shared = new Map<string, Set<string>>();
  /** Estimated bytes of each kept value, and their sum: together they may not pass {@link memoryLimitMb}. */
  private readonly sizes = new Map<string, number>();
  private keptBytes = 0;
  private readonly droppedLately = new Set<string>();
  private created = 0;
  /** The executor's `memoryLimitMb`, set before each run: the kept values' budget. */
  memoryLimitMb = Infinity;

  clear(): void {
    this.entries.clear();
    this.shared.clear();
    this.sizes.clear();
    this.keptBytes = 0;
  }

  /** Keeps a value, unless it would take the kept values past the memory budget or is nested too deeply: then its name is lost, saying why. */
  setValue(name: string, stored: StoredValue): void {
    const budget = this.memoryLimitMb * 1024 * 1024 - this.keptBytes + (this.sizes.get(name) ?? 0);
    const size = keptSize(stored.value, budget);
    if (size === "too-deep") return this.setDropped(name, `its value was nested more than ${MAX_KEPT_DEPTH} levels deep, too deep to carry over. Build it flatter, or finish the work on it in one run.`);
    if (size === "too-large") {
      return this.setDropped(
        name,
        `its value would have taken the values kept between runs past memoryLimitMb (${this.memoryLimitMb} MB). Keep less data (a summary, the part you need), or finish the work on it in one run.`,
      );
    }
    this.leaveShared(name);
    this.entries.set(name, { kind: "value", stored });
    this.setSize(name, size);
  }

  /** `name` held a value that was not kept; `reason` (complete sentences) says why. */
  private setDropped(name: string, reason: string): void {
    this.setLost(name, reason);
    this.entries.set(name, { kind: "lost", description: reason, dropped: true });
    this.droppedLately.add(name);
  }

  /** The names whose values were not kept since the last call, each with why. */
  takeDropped(): { name: string; reason: string }[] {
    const dropped = [...this.droppedLately].flatMap((name) => {
      const reason = this.droppedReason(name);
      return reason === undefined ? [] : [{ name, reason }];
    });
    this.droppedLately.clear();
    return dropped;
  }

  private setSize(name: string, size: number): void {
    this.keptBytes += size - (this.sizes.get(name) ?? 0);
    if (size === 0) this.sizes.delete(name);
    else this.sizes.set(name, size);
  }

  /**
   * Records which of `reported` (names a checkpoint just stored) hold one object: `identities`
   * maps those holding a mutable container to its identity. Names not reported keep what they had.
   */
  setSharing(reported: readonly string[], identities: ReadonlyMap<string, string>): void {
    for (const name of reported) this.leaveShared(name);
    const byIdentity = new Map<string, string[]>();
    for (const [name, identity] of identities) byIdentity.set(identity, [...(byIdentity.get(identity) ?? []), name]);
    for (const names of byIdentity.values()) {
      if (names.length < 2) continue;
      const group = new Set(names);
      for (const name of names) this.shared.set(name, group);
    }
  }

  setDefinition(name: string, source: string, firstLine: number): void {
    this.leaveShared(name);
    this.setSize(name, 0);
    const loops = source.includes("while") ? whileLoops(parsePython(source).topNode, source, lineIndex(source)) : [];
    this.entries.set(name, { kind: "definition", definition: { name, source, words: wordsOf(source), order: this.created++, firstLine, loops } });
  }

  setLost(name: string, description: string): void {
    this.leaveShared(name);
    this.setSize(name, 0);
    this.entries.set(name, { kind: "lost", description });
  }

  private leaveShared(name: string): void {
    const group = this.shared.get(name);
    if (group === undefined) return;
    group.delete(name);
    this.shared.delete(name);
    if (group.size === 1) for (const last of group) this.shared.delete(last);
  }

  isDefinition(name: string): boolean {
    return this.entries.get(name)?.kind === "definition";
  }

  /** Why `name` is gone, when it held an object that could not be carried over. */
  lostDescription(name: string): string | undefined {
    const entry = this.entries.get(name);
    return entry?.kind === "lost" && entry.dropped !== true ? entry.description : undefined;
  }

  /** Why the value of `name` was not kept after an earlier run (too large or too deep), in complete sentences. */
  droppedReason(name: string): string | undefined {
    const entry = this.entries.get(name);
    return entry?.kind === "lost" && entry.dropped === true ? entry.description : undefined;
  }

  /**
   * The values and definitions code mentioning `words` may reach, following the definitions it
   * uses. Monty resolves names from the source alone (no `globals()`, `eval` or `getattr` on
   * modules), so a name the code never spells cannot be reached and need not be passed in.
   */
  select(words: Iterable<string>, excluded: ReadonlySet<string>): NamespaceSelection {
    const inputs = new Map<string, StoredValue>();
    const definitions = new Map<string, Definition>();
    const pending = [...words];
    const seen = new Set<string>();
    while (pending.length > 0) {
      const word = pending.pop()!;
      if (seen.has(word) || excluded.has(word)) continue;
      seen.add(word);
      const entry = this.entries.get(word);
      if (entry?.kind === "value") {
        inputs.set(word, entry.stored);
        // A name sharing its object brings the others: a change through one must reach them all.
        pending.push(...(this.shared.get(word) ?? []));
      } else if (entry?.kind === "definition") {
        definitions.set(word, entry.definition);
        pending.push(...entry.definition.words);
      }
    }
    const aliases = new Map<string, string>();
    const sharing = new Map<string, string[]>();
    for (const name of inputs.keys()) {
      const group = this.shared.get(name);
      if (group === undefined || sharing.has(name)) continue;
      const [first, ...others] = [...group].filter((member) => inputs.has(member));
      for (const other of others) {
        aliases.set(other, first!);
        inputs.delete(other);
      }
      for (const member of [first!, ...others]) sharing.set(member, [first!, ...others]);
    }
    return { inputs, aliases, sharing, definitions: dependencyOrder([...definitions.values()]) };
  }
}

/** Definitions ordered so each comes after those it names (Monty binds names when a function is defined). */
function dependencyOrder(definitions: Definition[]): Definition[] {
  const remaining = [...definitions].sort((a, b) => a.order - b.order);
  const names = new Set(remaining.map((definition) => definition.name));
  const done = new Set<string>();
  const ordered: Definition[] = [];
  while (remaining.length > 0) {
    const ready = remaining.findIndex((definition) =>
      [...definition.words].every((word) => word === definition.name || !names.has(word) || done.has(word)),
    );
    // A cycle (mutual recursion) has no order that satisfies it: keep creation order.
    const [next] = remaining.splice(ready === -1 ? 0 : ready, 1);
    ordered.push(next!);
    done.add(next!.name);
  }
  return ordered;
}
