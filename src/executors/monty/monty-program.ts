/**
 * Turns one snippet into the program Monty runs. Monty runs a whole program at a time and forgets
 * it afterwards, and its tracebacks are only right for exceptions no handler touched, so instead of
 * wrapping the code the program is the code itself, with lines added between its statements:
 *
 *   if False:                      # every module-level name, declared first: Monty resolves a
 *       total = helper = None      # function's globals when it is defined
 *   __codeagent_type__ = type
 *   def helper(x): ...             # functions and imports from earlier runs, defined again
 *   total = 0                      # the snippet, statement by statement ...
 *   __codeagent_keep__(0, (total, __codeagent_type__(total)))   # ... each followed by a checkpoint
 *   total += helper(3)
 *   (1, (total, __codeagent_type__(total)), ...)               # the last one is the result
 *
 * A checkpoint is an external call: Monty pauses and hands the host the values of the names the
 * statement may have changed, so the namespace survives an error in a later statement. Inputs carry
 * the values in the other direction. `while` loops count their iterations and pause now and then, so
 * an abort or the host's event loop gets a turn during a long loop.
 */
import type { Definition, NamespaceSelection, StoredValue } from "./monty-namespace.js";
import { INTERNAL_PREFIX } from "./monty-protocol.js";
import { ProgramWriter, SourceCopier, type LineOrigin } from "./program-writer.js";
import type { SnippetAnalysis, TopLevelStatement } from "./python-statements.js";
import type { WhileLoop } from "./while-loops.js";

/** The external function a checkpoint calls. */
export const KEEP_FUNCTION = "__codeagent_keep__";
/** The external function a long `while` loop calls now and then. */
export const TICK_FUNCTION = "__codeagent_tick__";
/** Iterations of a `while` loop between two ticks. */
export const TICK_INTERVAL = 10_000;

const TYPE_ALIAS = "__codeagent_type__";
const ID_ALIAS = "__codeagent_id__";
const VALUE_NAME = "__codeagent_value__";

/** One checkpoint: which names it reports, after which statement. */
export interface Checkpoint {
  names: string[];
  statement: TopLevelStatement;
  /** True when the value of the snippet's last expression comes first. */
  hasValue: boolean;
}

/** The program for one run. */
export interface MontyProgram {
  code: string;
  origins: LineOrigin[];
  inputs: Map<string, StoredValue>;
  checkpoints: Checkpoint[];
  /** The checkpoint whose arguments are the program's result (the one after the last statement). */
  finalCheckpoint: number | undefined;
}

/** The undefined name whose lookup gives the tool `name` (for tools named like a Monty built-in). */
function toolAlias(name: string): string {
  return `${INTERNAL_PREFIX}tool_${name}__`;
}

/** The tool a {@link toolAlias} stands for, or undefined. */
export function toolNameOfAlias(name: string): string | undefined {
  return /^__codeagent_tool_(.+)__$/.exec(name)?.[1];
}

/** What the program is built from besides the snippet. */
export interface ProgramContext {
  selection: NamespaceSelection;
  /** Names never saved: the tools and `final_answer`. */
  excluded: ReadonlySet<string>;
  /** Tools the code names that Monty would otherwise take for its own built-ins (`open`, `sum`, ...). */
  builtinTools: readonly string[];
}

/** Builds the program for `source`. */
export function buildProgram(source: string, analysis: SnippetAnalysis, { selection, excluded, builtinTools }: ProgramContext): MontyProgram {
  const writer = new ProgramWriter();
  // Names bound before the snippet runs: inputs, and the other names of a list (dict, set) that several names share.
  const inputNames = new Set([...selection.inputs.keys(), ...selection.aliases.keys()]);
  const definitionNames = selection.definitions.map((definition) => definition.name);
  // Only function bodies look names up by where they were defined; code without them needs no declarations.
  const hasFunctions = definitionNames.length > 0 || analysis.statements.some((statement) => statement.words.has("def") || statement.words.has("lambda"));
  const declared = new Set(hasFunctions ? [...analysis.bound, ...definitionNames].filter((name) => !inputNames.has(name)) : []);
  if (declared.size > 0) writer.write(`if False:\n    ${[...declared].join(" = ")} = None\n`);

  const shadowed = (name: string) => inputNames.has(name) || declared.has(name);
  const typeProbes = !shadowed("type");
  if (typeProbes) writer.write(`${TYPE_ALIAS} = type\n`);
  // Identities tell which names share one object, so the next run can make them share it again.
  const probes = typeProbes ? { type: TYPE_ALIAS, ...(shadowed("id") ? {} : { id: ID_ALIAS }) } : undefined;
  if (probes?.id !== undefined) writer.write(`${ID_ALIAS} = id\n`);
  writeFixups(writer, selection.inputs, shadowed);
  for (const [name, shared] of selection.aliases) writer.write(`${name} = ${shared}\n`);
  // Monty calls its own built-in before asking the host, so a tool named like one is bound first.
  for (const name of builtinTools) writer.write(`${name} = ${toolAlias(name)}\n`);

  const loops = { count: 0 };
  for (const definition of selection.definitions) writeDefinition(writer, definition, loops);

  const copier = new SourceCopier(source, (line) => ({ kind: "code", line }));
  const saved = [...inputNames, ...analysis.bound].filter((name) => !excluded.has(name) && !name.startsWith(INTERNAL_PREFIX));
  const savable = new Set(saved);
  const functionWords = new Map<string, Set<string>>(selection.definitions.map((definition) => [definition.name, definition.words]));
  for (const statement of analysis.statements) {
    for (const [name] of statement.definitions) functionWords.set(name, statement.words);
  }
  const definitelyBound = new Set([...inputNames, ...definitionNames]);
  const checkpoints: Checkpoint[] = [];

  analysis.statements.forEach((statement, index) => {
    const last = index === analysis.statements.length - 1;
    const reached = last ? saved : [...reachableWords(statement.words, functionWords)].filter((word) => savable.has(word));
    // Names sharing an object are reported together, so none of them is left with a stale copy.
    const names = [...new Set(reached.flatMap((name) => selection.sharing.get(name) ?? [name]))];
    const hasValue = last && statement.isExpression && names.length > 0;
    if (hasValue) {
      writer.writeFor(`${VALUE_NAME} = (`, copier.origin(statement.firstLine));
      copier.copy(writer, statement.start, statement.end);
      writer.writeFor("\n)", copier.origin(statement.lastLine));
    } else {
      writeWithLoopTicks(writer, copier, statement.start, statement.end, analysis.loops, loops, true);
    }
    writer.newline();
    for (const name of statement.definitelyBound) definitelyBound.add(name);
    if (names.length === 0) return;
    checkpoints.push({ names, statement, hasValue });
    writeCheckpoint(writer, checkpoints.length - 1, names, definitelyBound, hasValue, probes, last);
  });

  const { code, origins } = writer.finish();
  const lastStatement = analysis.statements[analysis.statements.length - 1];
  const finalCheckpoint = checkpoints.length > 0 && checkpoints[checkpoints.length - 1]!.statement === lastStatement ? checkpoints.length - 1 : undefined;
  return { code, origins, inputs: selection.inputs, checkpoints, finalCheckpoint };
}

function writeFixups(writer: ProgramWriter, inputs: Map<string, StoredValue>, shadowed: (name: string) => boolean): void {
  for (const [name, stored] of inputs) {
    const converter = stored.fixup === "float" ? "float" : stored.fixup === "frozenset" ? "frozenset" : undefined;
    if (converter !== undefined && !shadowed(converter)) writer.write(`${name} = ${converter}(${name})\n`);
  }
}

function writeDefinition(writer: ProgramWriter, definition: Definition, loops: { count: number }): void {
  const copier = new SourceCopier(definition.source, (line) => ({ kind: "definition", name: definition.name, line: definition.firstLine + line - 1 }));
  writeWithLoopTicks(writer, copier, 0, definition.source.length, definition.loops, loops, false);
  writer.newline();
}

/**
 * Copies `[start, end)` of the copier's source, rewriting each `while cond:` header into
 * `while ((n := n - 1) or (n := tick(line))) and (cond):` with `n = TICK_INTERVAL` set just before.
 */
function writeWithLoopTicks(
  writer: ProgramWriter,
  copier: SourceCopier,
  start: number,
  end: number,
  whileLoops: readonly WhileLoop[],
  loops: { count: number },
  knowsLines: boolean,
): void {
  let position = start;
  for (const loop of whileLoops) {
    if (loop.lineStart < start || loop.lineStart >= end) continue;
    const counter = `${INTERNAL_PREFIX}n${loops.count++}__`;
    const origin = copier.origin(loop.line);
    copier.copy(writer, position, loop.lineStart);
    writer.writeFor(`${loop.indent}${counter} = ${TICK_INTERVAL}\n`, origin);
    copier.copy(writer, loop.lineStart, loop.conditionStart);
    writer.writeFor(`((${counter} := ${counter} - 1) or (${counter} := ${TICK_FUNCTION}(${knowsLines ? loop.line : 0}))) and (`, origin);
    copier.copy(writer, loop.conditionStart, loop.conditionEnd);
    writer.writeFor(")", origin);
    position = loop.conditionEnd;
  }
  copier.copy(writer, position, end);
}

function writeCheckpoint(
  writer: ProgramWriter,
  id: number,
  names: string[],
  definitelyBound: ReadonlySet<string>,
  hasValue: boolean,
  probes: { type: string; id?: string } | undefined,
  last: boolean,
): void {
  const probe = (name: string) => (probes === undefined ? "None" : `${probes.type}(${name})${probes.id === undefined ? "" : `, ${probes.id}(${name})`}`);
  const pair = (name: string) => `(${name}, ${probe(name)})`;
  const args = [String(id), ...(hasValue ? [VALUE_NAME] : [])];
  names.forEach((name, index) => {
    if (definitelyBound.has(name)) {
      args.push(pair(name));
      return;
    }
    // A name that may be unbound here is read in a try, so the checkpoint cannot fail.
    const holder = `${INTERNAL_PREFIX}v${index}__`;
    writer.write(`try:\n    ${holder} = ${pair(name)}\nexcept NameError:\n    ${holder} = ()\n`);
    args.push(holder);
  });
  // The last checkpoint is the program's result rather than a call: a pause costs more than a tuple.
  writer.write(last ? `(${args.join(", ")},)\n` : `${KEEP_FUNCTION}(${args.join(", ")})\n`);
}

/** `words` and the words of every function they name, followed transitively. */
function reachableWords(words: Set<string>, functionWords: ReadonlyMap<string, Set<string>>): Set<string> {
  const reached = new Set<string>();
  const pending = [...words];
  while (pending.length > 0) {
    const word = pending.pop()!;
    if (reached.has(word)) continue;
    reached.add(word);
    const inner = functionWords.get(word);
    if (inner !== undefined) pending.push(...inner);
  }
  return reached;
}
