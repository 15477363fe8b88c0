// The benchmark's report for a terminal: a per-task grid, the per-agent table and a bar chart.
// Plain text unless `color` is on (the runner turns it on only for a TTY without NO_COLOR).
import picocolors from "picocolors";

const AGENT_COLORS = { python: "cyan", javascript: "yellow", "tool-calling": "magenta" };
const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
const BAR_WIDTH = 36;

/** The whole report: heading, per-task grid, table, chart and notes, as one string. */
export function formatReport(results, { color = false } = {}) {
  const colors = picocolors.createColors(color);
  const available = results.agents.filter((agent) => agent.available);
  const { options } = results;
  const sections = [
    colors.bold(`Agents compared on ${options.tasks.length} task${options.tasks.length === 1 ? "" : "s"} · model ${results.model} · at most ${options.maxSteps} steps`),
    available.length > 0 ? formatTaskGrid(results, colors) : "",
    formatTable(results.agents, colors),
    available.length > 0 ? formatChart(results.agents, colors) : "",
    formatNotes(results, colors),
  ];
  return `${sections.filter((section) => section !== "").join("\n\n")}\n`;
}

/** One line per task: ✓ solved, ✗ wrong or no answer, ! error; then the steps taken. */
export function formatTaskGrid(results, colors = picocolors.createColors(false)) {
  const agents = results.agents.filter((agent) => agent.available);
  const header = ["task", ...agents.map((agent) => agent.kind)];
  const lines = results.options.tasks.map((taskId) => [
    taskId,
    ...agents.map((agent) => {
      const row = results.rows.find((candidate) => candidate.agent === agent.kind && candidate.task === taskId);
      if (row === undefined) return "–";
      return `${row.error !== null ? "!" : row.success ? "✓" : "✗"} ${row.steps}`;
    }),
  ]);
  const paint = (text, column) => {
    if (column === 0) return text;
    const mark = text.trim()[0];
    return mark === "✓" ? colors.green(text) : mark === "✗" ? colors.red(text) : mark === "!" ? colors.yellow(text) : colors.dim(text);
  };
  return [colors.dim("Per task: ✓ solved, ✗ wrong or no answer, ! error; then the steps taken."), ...columns([header, ...lines], { paint })].join("\n");
}

/** The per-agent table: success rate, steps and tokens, time; code agents against tool calling. */
export function formatTable(agents, colors = picocolors.createColors(false)) {
  const header = ["agent", "solved", "steps", "vs tool-calling", "tool calls", "tokens in", "tokens out", "time", "errors"];
  const lines = agents.map((agent) => {
    if (!agent.available) return [agent.label, "unavailable"];
    return [
      agent.label,
      `${agent.successes}/${agent.runs} ${percent(agent.successRate)}`,
      decimal(agent.meanSteps, 1),
      versus(agent),
      decimal(agent.meanToolCalls, 1),
      integer(agent.meanInputTokens),
      integer(agent.meanOutputTokens),
      seconds(agent.meanDurationMs),
      String(agent.errors),
    ];
  });
  const paint = (text, column, line) => (column === 0 && line > 0 ? colors[AGENT_COLORS[agents[line - 1].kind]](text) : line === 0 ? colors.bold(text) : text);
  return [...columns([header, ...lines], { paint, rightAligned: new Set([2, 4, 5, 6, 7, 8]) }), colors.dim("Steps, tool calls, tokens and time are means per task; 'vs tool-calling' compares the tasks both agents solved.")].join("\n");
}

/** Bars for success rate, steps, tokens and time, one per agent, scaled within each metric. */
export function formatChart(agents, colors = picocolors.createColors(false)) {
  const metrics = [
    { title: "success rate (higher is better)", value: (agent) => agent.successRate, max: 1, text: percent },
    { title: "steps per task (fewer is better)", value: (agent) => agent.meanSteps, text: (value) => decimal(value, 1) },
    { title: "tokens per task, in + out (fewer is better)", value: (agent) => sumOrNull(agent.meanInputTokens, agent.meanOutputTokens), text: integer },
    { title: "time per task (less is better)", value: (agent) => agent.meanDurationMs, text: seconds },
  ];
  const labelWidth = Math.max(...agents.map((agent) => agent.label.length));
  const blocks = metrics.map((metric) => {
    const values = agents.map((agent) => (agent.available ? metric.value(agent) : null));
    const max = metric.max ?? Math.max(0, ...values.filter((value) => value !== null));
    const lines = agents.map((agent, index) => {
      const label = colors[AGENT_COLORS[agent.kind]](agent.label.padEnd(labelWidth));
      const value = values[index];
      if (!agent.available) return `  ${label}  ${colors.dim("unavailable")}`;
      if (value === null) return `  ${label}  ${colors.dim("n/a")}`;
      const bar = drawBar(max === 0 ? 0 : value / max).padEnd(BAR_WIDTH);
      return `  ${label}  ${colors[AGENT_COLORS[agent.kind]](bar)} ${metric.text(value)}`;
    });
    return [colors.bold(metric.title), ...lines].join("\n");
  });
  return blocks.join("\n");
}

function formatNotes(results, colors) {
  const notes = [];
  for (const agent of results.agents.filter((candidate) => !candidate.available)) notes.push(`${agent.label} unavailable: ${agent.reason}`);
  const errors = results.rows.filter((row) => row.error !== null);
  const labels = Object.fromEntries(results.agents.map((agent) => [agent.kind, agent.label]));
  for (const row of errors.slice(0, 5)) notes.push(`error: ${labels[row.agent]} on ${row.task}: ${row.error.type}: ${row.error.message.split("\n")[0].slice(0, 160)}`);
  if (errors.length > 5) notes.push(`… and ${errors.length - 5} more errors (see the JSON).`);
  return notes.map((note) => colors.yellow(note)).join("\n");
}

/** Aligned columns, two spaces apart; `paint(text, column, line)` colours a padded cell. */
function columns(lines, { paint = (text) => text, rightAligned = new Set() } = {}) {
  const widths = [];
  for (const line of lines) line.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  const pad = (cell, column) => (rightAligned.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]));
  return lines.map((line, lineIndex) => line.map((cell, column) => paint(pad(cell, column), column, lineIndex)).join("  ").trimEnd());
}

/** A bar of `fraction` × BAR_WIDTH cells, in eighths; a value above zero shows at least a sliver. */
function drawBar(fraction) {
  const eighths = Math.max(fraction > 0 ? 1 : 0, Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH * 8));
  return "█".repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

function versus(agent) {
  const comparison = agent.versusToolCalling;
  if (agent.kind === "tool-calling") return "(reference)";
  if (comparison === null || comparison === undefined) return "n/a";
  const parts = [];
  if (comparison.stepsChange !== null) parts.push(`${signedPercent(comparison.stepsChange)} steps`);
  if (comparison.tokensChange !== null) parts.push(`${signedPercent(comparison.tokensChange)} tokens`);
  return `${parts.join(", ")} (${comparison.tasks} task${comparison.tasks === 1 ? "" : "s"})`;
}

function signedPercent(change) {
  const rounded = Math.round(change * 100);
  return rounded === 0 ? "±0%" : rounded < 0 ? `\u2212${-rounded}%` : `+${rounded}%`;
}

const percent = (value) => (value === null ? "n/a" : `${Math.round(value * 100)}%`);
const decimal = (value, digits) => (value === null ? "n/a" : value.toFixed(digits));
const integer = (value) => (value === null ? "n/a" : Math.round(value).toLocaleString("en-US"));
const seconds = (ms) => (ms === null ? "n/a" : `${(ms / 1000).toFixed(1)} s`);
const sumOrNull = (a, b) => (a === null || b === null ? null : a + b);
