import type { AgentEvent, ManagedEventOrigin, StepStartEvent } from "../agents/events.js";
import type { ActionStep, PlanningStep, ToolCallRecord } from "../agents/memory-steps.js";
import { createColors, type Colors } from "./colors.js";
import { cutMiddle, type CutLimits } from "./cut-middle.js";
import type { EventRenderer } from "./event-renderer.js";
import { formatDuration, formatInline, formatToolCall, formatValue } from "./format-value.js";
import { frameLines, headingRule } from "./frame.js";
import { highlightCode } from "./highlight-code.js";
import { formatRunSummary, formatStepTokens } from "./run-summary.js";
import { createStreamSanitizer, sanitizeText } from "./sanitize-text.js";
import { createYoctoSpinner, type Spinner, type SpinnerFactory } from "./spinner.js";

export { shouldUseColor } from "./should-use-color.js";

/** Options of {@link createTerminalRenderer}. */
export interface TerminalRendererOptions {
  /** Where the text goes, e.g. `(text) => process.stdout.write(text)`. */
  write(text: string): void;
  /** ANSI colours and syntax highlighting. Default `false`; decide with `shouldUseColor`. */
  color?: boolean;
  /** Also stream the model's reply, show tool results and durations. Default `false`. */
  verbose?: boolean;
  /**
   * A spinner while the model thinks and while code runs: `true` for the default one (on stderr),
   * or your own factory. Default `false`; enable it only when the output is a TTY.
   */
  spinner?: boolean | SpinnerFactory;
  /** Clock for elapsed times, in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Width of rules and frames, in columns. Default 80 (pass `process.stdout.columns`). */
  width?: number;
  /** Logs, outputs and errors longer than this are cut in the middle. Default 4,000 characters. */
  maxChars?: number;
  /** Logs, outputs and errors with more lines than this are cut in the middle. Default 40 lines. */
  maxLines?: number;
}

const STEP_TITLES: Record<StepStartEvent["stepType"], string> = {
  action: "action",
  planning: "planning",
  "final-answer": "final answer",
};

/**
 * A renderer that prints a run for a person watching it in a terminal: a heading per step, the
 * code highlighted in a numbered frame, tool calls, logs, errors in red, a footer with tokens and
 * seconds per step, plans and the final answer in their own frames, and a summary at the end.
 *
 * All text that came from the model, the sandbox or tools is stripped of escape sequences, so
 * with `color: false` the output holds no ANSI escape at all.
 *
 * @example
 * ```ts
 * const renderer = createTerminalRenderer({
 *   write: (text) => process.stdout.write(text),
 *   color: shouldUseColor(process.stdout, process.env),
 *   spinner: process.stdout.isTTY === true,
 *   width: process.stdout.columns,
 * });
 * for await (const event of agent.stream(task)) renderer.render(event);
 * renderer.close();
 * ```
 */
export function createTerminalRenderer(options: TerminalRendererOptions): EventRenderer {
  const useColor = options.color === true;
  const colors = createColors(useColor);
  const verbose = options.verbose === true;
  const now = options.now ?? Date.now;
  const width = Math.max(40, Math.min(options.width ?? 80, 160));
  const limits: CutLimits = { maxChars: options.maxChars ?? 4_000, maxLines: options.maxLines ?? 40 };
  const spinnerFactory = options.spinner === true ? createYoctoSpinner : options.spinner || undefined;

  let spinner: Spinner | undefined;
  let lineOpen = false;
  let runStartedAt: number | undefined;
  let stepNumber = 0;
  let stepType: StepStartEvent["stepType"] = "action";
  let streamedReply = false;
  // A streamed reply is sanitised as it comes, an escape sequence cut between deltas held whole.
  let replySanitizer = createStreamSanitizer();

  const stopSpinner = (): void => {
    spinner?.stop();
    spinner = undefined;
  };
  const startSpinner = (text: string): void => {
    if (!spinnerFactory) return;
    stopSpinner();
    spinner = spinnerFactory(text);
    spinner.start();
  };
  /** Writes raw text, possibly without a line end (streamed replies). */
  const write = (text: string): void => {
    stopSpinner();
    if (text === "") return;
    options.write(text);
    lineOpen = !text.endsWith("\n");
  };
  /** Writes dimmed text, possibly without a line end; nothing when there is none. */
  const writeDim = (text: string): void => {
    if (text !== "") write(colors.dim(text));
  };
  /** Writes whole lines, starting on a fresh line. */
  const writeLines = (lines: readonly string[]): void => {
    write(`${lineOpen ? "\n" : ""}${lines.join("\n")}\n`);
  };
  /** Lines of an untrusted text, cut in the middle when long, the cut note dimmed. */
  const cutLines = (text: string, format: (line: string) => string = (line) => line): string[] => {
    const { head, tail, note } = cutMiddle(sanitizeText(text).replace(/\n+$/, ""), limits);
    const lines = head.split("\n").map(format);
    if (note === undefined) return lines;
    return [...lines, colors.dim(colors.italic(note)), ...(tail === "" ? [] : tail.split("\n").map(format))];
  };

  const handlers: { [Type in AgentEvent["type"]]: (event: Extract<AgentEvent, { type: Type }>) => void } = {
    "run-start": (event) => {
      runStartedAt = now();
      const model = event.modelId ? ` · ${sanitizeText(event.modelId)}` : "";
      const [first = "", ...rest] = cutLines(event.task);
      writeLines([colors.bold(colors.cyan(headingRule(`New run${model}`, width))), `${colors.bold("Task:")} ${first}`, ...rest]);
    },
    "step-start": (event) => {
      stepNumber = event.stepNumber;
      stepType = event.stepType;
      streamedReply = false;
      replySanitizer = createStreamSanitizer();
      const elapsed = runStartedAt === undefined ? 0 : now() - runStartedAt;
      const trailer = elapsed >= 1_000 ? `+${formatDuration(elapsed)}` : undefined;
      writeLines(["", colors.bold(colors.yellow(headingRule(`Step ${event.stepNumber} · ${STEP_TITLES[event.stepType]}`, width, trailer)))]);
      startSpinner("Thinking…");
    },
    "model-delta": (event) => {
      stopSpinner();
      if (!verbose) return;
      if (!streamedReply && lineOpen) write("\n");
      streamedReply = true;
      writeDim(replySanitizer.push(event.text));
    },
    "model-output": (event) => {
      stopSpinner();
      if (!verbose) return;
      if (streamedReply) writeDim(replySanitizer.flush());
      if (stepType === "planning") return;
      if (streamedReply) {
        if (lineOpen) write("\n");
        return;
      }
      writeLines([colors.dim("Model output:"), ...cutLines(event.text, colors.dim)]);
    },
    code: (event) => {
      const code = sanitizeText(event.code).replace(/\n+$/, "");
      const shown = useColor ? highlightCode(code, event.language, colors) : code;
      const title = `Code · ${event.language}`;
      writeLines(frameLines({ title, lines: shown.split("\n"), width, border: colors.cyan, lineNumbers: true, colors }));
      startSpinner("Running code…");
    },
    "tool-call": (event) => {
      const name = sanitizeText(event.name);
      const call = sanitizeText(formatToolCall(name, event.arguments, verbose ? 200 : 60));
      writeLines([`${colors.cyan("⚙")} ${colors.cyan(name)}${call.slice(name.length)}`]);
      // user_input asks the person at this terminal and waits for their typing: a spinner would
      // redraw the line over the question and what they type.
      if (event.name === "user_input") stopSpinner();
      else startSpinner(`Running ${name}…`);
    },
    "tool-result": (event) => {
      const line = toolResultLine(event.call, colors, verbose);
      if (line === undefined) stopSpinner();
      else writeLines([line]);
      startSpinner("Running code…");
    },
    logs: (event) => {
      if (sanitizeText(event.text).trim() === "") return stopSpinner();
      writeLines([colors.dim("Execution logs:"), ...cutLines(event.text)]);
    },
    error: (event) => {
      const [first = "", ...rest] = cutLines(event.error.message, colors.red);
      writeLines([`${colors.bold(colors.red(`✗ ${sanitizeText(event.error.type)}:`))} ${first}`, ...rest]);
    },
    plan: (event) => {
      const lines = cutLines(event.plan, (line) => line);
      writeLines(frameLines({ title: colors.bold("Plan"), lines, width, border: colors.blue, colors }));
    },
    "step-finish": (event) => {
      writeLines([...stepOutputLines(event.step), colors.dim(stepFooter(event.step, stepNumber))]);
    },
    "final-answer": (event) => {
      const lines = sanitizeText(formatValue(event.output)).replace(/\n+$/, "").split("\n").map(colors.bold);
      const border = (text: string): string => colors.bold(colors.green(text));
      writeLines(["", ...frameLines({ title: "Final answer", lines, width, border, colors })]);
    },
    "run-finish": (event) => {
      const { result } = event;
      const steps = result.steps.filter((step) => step.type === "action").length;
      const outcome = result.state === "interrupted" ? "stopped" : result.state;
      writeLines([formatRunSummary(outcome, { steps, tokenUsage: result.tokenUsage, durationMs: result.durationMs }, colors)]);
    },
    "approval-request": (event) => {
      const call = sanitizeText(formatToolCall(event.tool, { args: [], kwargs: event.arguments }, verbose ? 400 : 120));
      writeLines([`${colors.yellow("?")} ${colors.bold(sanitizeText(event.tool))} needs approval: ${call}`]);
    },
    "approval-decision": (event) => {
      const reason = event.reason === undefined ? "" : `: ${formatInline(sanitizeText(event.reason), verbose ? 400 : 120)}`;
      const line = event.approved ? colors.green(`✔ ${sanitizeText(event.tool)} approved`) : colors.red(`✗ ${sanitizeText(event.tool)} refused${reason}`);
      writeLines([`  ${line}`]);
    },
  };

  // A managed agent's events are drawn by a renderer of their own, indented under the call.
  const nested = new Map<string, EventRenderer>();
  const nestedRenderer = (origin: ManagedEventOrigin): EventRenderer => {
    const key = `${origin.depth}:${origin.agent}`;
    let renderer = nested.get(key);
    if (renderer === undefined) {
      const indent = colors.dim("│ ".repeat(origin.depth));
      renderer = createTerminalRenderer({
        ...options,
        write: indentedWriter((text) => write(text), indent, () => lineOpen),
        spinner: false,
        width: Math.max(40, width - 2 * origin.depth),
      });
      nested.set(key, renderer);
    }
    return renderer;
  };

  /** Output (the value of the code's last expression) of a step that did not end the run. */
  function stepOutputLines(step: ActionStep | PlanningStep): string[] {
    if (step.type !== "action" || step.isFinalAnswer || step.output === undefined || step.output === null) return [];
    const [first = "", ...rest] = cutLines(formatValue(step.output));
    return [`${colors.dim("Out:")} ${first}`, ...rest];
  }

  return {
    render(event) {
      if (event.managed !== undefined) {
        const { managed, ...own } = event;
        const renderer = nestedRenderer(managed);
        renderer.render(own as AgentEvent);
        if (event.type === "run-finish") {
          renderer.close();
          nested.delete(`${managed.depth}:${managed.agent}`);
        }
        return;
      }
      // An event type this version does not know (a newer loop, a stored run) is skipped.
      const handler = handlers[event.type] as ((event: AgentEvent) => void) | undefined;
      handler?.(event);
    },
    close() {
      for (const renderer of nested.values()) renderer.close();
      nested.clear();
      stopSpinner();
      if (lineOpen) write("\n");
    },
  };
}

/**
 * A writer that starts every line with `indent`. `lineOpen` says whether the text written so far
 * (by anyone) ended mid-line, so a line another writer left open is not indented twice.
 */
function indentedWriter(write: (text: string) => void, indent: string, lineOpen: () => boolean): (text: string) => void {
  return (text) => {
    if (text === "") return;
    let atLineStart = !lineOpen();
    const parts = text.split("\n");
    const out = parts.map((part, index) => {
      const startsLine = index > 0 || atLineStart;
      atLineStart = false;
      return startsLine && part !== "" ? `${indent}${part}` : part;
    });
    write(out.join("\n"));
  };
}

function toolResultLine(call: ToolCallRecord, colors: Colors, verbose: boolean): string | undefined {
  const duration = colors.dim(`· ${formatDuration(call.durationMs)}`);
  if (call.error !== undefined) {
    return `  ${colors.red(`✗ ${sanitizeText(call.name)} failed: ${formatInline(sanitizeText(call.error), verbose ? 400 : 120)}`)} ${duration}`;
  }
  if (!verbose) return undefined;
  return `  ${colors.dim("→")} ${sanitizeText(formatInline(call.result, 200))} ${duration}`;
}

function stepFooter(step: ActionStep | PlanningStep, stepNumber: number): string {
  const name = step.type === "planning" ? `Plan before step ${stepNumber}` : `Step ${step.stepNumber}`;
  const tokens = step.tokenUsage ? ` · ${formatStepTokens(step.tokenUsage)}` : "";
  return `${name}${tokens} · ${formatDuration(step.timing.durationMs)}`;
}
