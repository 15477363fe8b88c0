// Per-agent figures from the rows of a benchmark run.

/**
 * One summary per agent. Steps, tool calls, tokens and time are means over the runs that finished
 * (a run ended by an error is counted in `errors` and as a failure). `versusToolCalling` compares
 * a code agent with the ToolCallingAgent on the tasks both solved, so the two are measured on the
 * same work: `stepsChange` -0.31 means 31 % fewer steps.
 */
export function summarize(agents, rows) {
  const reference = agents.find((agent) => agent.kind === "tool-calling" && agent.available);
  return agents.map((agent) => {
    if (!agent.available) return { kind: agent.kind, label: agent.label, available: false, reason: agent.reason };
    const own = rows.filter((row) => row.agent === agent.kind);
    const finished = own.filter((row) => row.error === null);
    const successes = own.filter((row) => row.success).length;
    return {
      kind: agent.kind,
      label: agent.label,
      available: true,
      runs: own.length,
      successes,
      successRate: own.length === 0 ? null : successes / own.length,
      errors: own.length - finished.length,
      meanSteps: mean(finished.map((row) => row.steps)),
      meanToolCalls: mean(finished.map((row) => row.toolCalls)),
      meanInputTokens: mean(finished.map((row) => row.inputTokens)),
      meanOutputTokens: mean(finished.map((row) => row.outputTokens)),
      meanDurationMs: mean(finished.map((row) => row.durationMs)),
      versusToolCalling: reference && agent.kind !== reference.kind ? compare(own, rows.filter((row) => row.agent === reference.kind)) : null,
    };
  });
}

/** Steps and tokens of `rows` relative to `referenceRows`, over the tasks both solved. */
function compare(rows, referenceRows) {
  const pairs = rows
    .filter((row) => row.success)
    .map((row) => [row, referenceRows.find((other) => other.task === row.task && other.success)])
    .filter(([, other]) => other !== undefined);
  if (pairs.length === 0) return null;
  const total = (pick) => pairs.reduce((sum, pair) => sum + pick(pair), 0);
  const tokens = (row) => row.inputTokens + row.outputTokens;
  const change = (ours, theirs) => (theirs === 0 ? null : ours / theirs - 1);
  return {
    tasks: pairs.length,
    stepsChange: change(total(([row]) => row.steps), total(([, other]) => other.steps)),
    tokensChange: change(total(([row]) => tokens(row)), total(([, other]) => tokens(other))),
  };
}

function mean(values) {
  return values.length === 0 ? null : values.reduce((sum, value) => sum + value, 0) / values.length;
}
