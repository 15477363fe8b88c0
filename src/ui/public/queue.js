// The queue of durable runs (codeagent ui --queue): its newest runs, Approve / Refuse for a parked
// tool call, Cancel, and a run opened to follow its events, which app.js renders as it renders a
// conversation's. Loaded after app.js, whose helpers (element, api, render, ...) it uses; the
// Queue button stays hidden when the server shows no queue.
"use strict";

const QUEUE_POLL_MS = 2000;
const FINAL_STATES = new Set(["completed", "failed", "cancelled"]);
const queue = { runId: undefined, shownRuns: "" };

function runPath(runId, tail = "") {
  return `/api/queue/runs/${encodeURIComponent(runId)}${tail}`;
}

function formatTime(ms) {
  const date = new Date(ms);
  return date.toDateString() === new Date().toDateString() ? date.toLocaleTimeString() : date.toLocaleString();
}

// ---- the list ----

async function refreshQueue() {
  if (document.hidden) return;
  let data;
  try {
    data = await api("GET", "/api/queue");
  } catch (error) {
    showQueueError(error.message);
    return;
  }
  showQueueError(undefined);
  $("queue-name").textContent = data.name || "";
  const waiting = data.runs.filter((run) => run.state === "waiting-approval").length;
  $("queue-waiting").textContent = waiting > 0 ? String(waiting) : "";
  $("queue-waiting").title = `${waiting} runs wait for a decision`;
  renderQueueRuns(data.runs);
}

function showQueueError(message) {
  $("queue-error").hidden = message === undefined;
  $("queue-error").textContent = message || "";
}

function renderQueueRuns(runs) {
  const shown = JSON.stringify(runs);
  if (shown === queue.shownRuns) return;
  // A reason being typed stays: the list is redrawn at the next look after it.
  const typing = [...$("queue-runs").querySelectorAll("input.reason")].some((input) => input.value !== "" || input === document.activeElement);
  if (typing) return;
  queue.shownRuns = shown;
  const body = $("queue-runs").tBodies[0];
  body.textContent = "";
  $("queue-empty").hidden = runs.length > 0;
  for (const run of runs) {
    const row = element("tr");
    row.dataset.run = run.runId;
    const task = element("td", "task", run.task);
    if (run.error) task.append(element("div", "run-summary", run.error));
    const actions = element("td", "actions");
    actions.append(button("Open", "Follow this run's steps", () => openRun(run.runId)));
    if (!run.final) actions.append(button("Cancel", "Cancel this run", () => cancelRun(run.runId)));
    row.append(element("td", `state state-${run.state}`, run.state), task, element("td", "", String(run.attempts)), element("td", "", formatTime(run.updatedAt)), actions);
    body.append(row);
    if (run.pendingApproval) {
      const approvalRow = element("tr", "approval-row");
      const cell = element("td");
      cell.colSpan = 5;
      // Once decided, the run is followed: its steps go on on some worker.
      cell.append(queueApproval(run.runId, run.pendingApproval, () => openRun(run.runId)));
      approvalRow.append(cell);
      body.append(approvalRow);
    }
  }
}

function button(text, title, onClick) {
  const node = element("button", "", text);
  node.type = "button";
  node.title = title;
  node.addEventListener("click", onClick);
  return node;
}

/** Approve / Refuse, with an optional reason, for the tool call run `runId` is parked on. */
function queueApproval(runId, pending, onDecided) {
  const box = element("div", "approval");
  box.dataset.queueApproval = runId;
  box.append(element("div", "", `Approve this call? Step ${pending.stepNumber} of the run calls ${pending.tool}:`), element("pre", "logs", `${pending.tool}(${JSON.stringify(pending.args, null, 2)})`));
  const reason = element("input", "reason");
  reason.placeholder = "Reason (optional)";
  const decide = async (approved) => {
    const controls = box.querySelectorAll("button, input");
    for (const control of controls) control.disabled = true;
    const text = reason.value.trim();
    try {
      await api("POST", runPath(runId, "/approval"), text ? { approved, reason: text } : { approved });
      settleQueueApproval(box, approved ? "Approved: the run goes on." : `Refused${text ? ": " + text : ""}.`);
      onDecided?.();
    } catch (error) {
      for (const control of controls) control.disabled = false;
      box.append(element("div", "failure", error.message));
    }
  };
  box.append(reason, button("Approve", "Let the call run", () => decide(true)), button("Refuse", "The call fails in the agent's code, with the reason", () => decide(false)));
  return box;
}

function settleQueueApproval(box, text) {
  if (box.dataset.settled) return;
  box.dataset.settled = "true";
  for (const control of box.querySelectorAll("button, input")) control.remove();
  box.append(element("div", "", text));
}

async function cancelRun(runId) {
  try {
    await api("POST", runPath(runId, "/cancel"));
  } catch (error) {
    if (document.body.dataset.view === "queue-run") $("transcript").append(element("div", "failure", error.message));
    else showQueueError(error.message);
  }
  await refreshQueue();
}

// ---- the views ----

/** Leaves the conversation or run shown for the queue's list. */
function showQueue() {
  state.source?.close();
  state.source = undefined;
  state.conversationId = undefined;
  queue.runId = undefined;
  setRunning(false);
  document.body.dataset.view = "queue";
  location.hash = "queue";
  queue.shownRuns = "";
  refreshConversations();
  refreshQueue();
}

/** Shows run `runId` as a conversation: its task, then its events from the start, live until it ends. */
async function openRun(runId) {
  state.source?.close();
  state.source = undefined;
  state.conversationId = undefined;
  queue.runId = runId;
  document.body.dataset.view = "queue-run";
  location.hash = `queue/${encodeURIComponent(runId)}`;
  $("transcript").textContent = "";
  state.view = newView();
  setRunning(false);
  resetTotals();
  refreshConversations();
  let run;
  try {
    run = await api("GET", runPath(runId));
  } catch (error) {
    $("transcript").append(element("div", "failure", error.message));
    return;
  }
  if (queue.runId !== runId || document.body.dataset.view !== "queue-run") return;
  $("run-state").textContent = run.state;
  $("cancel-run").disabled = run.final;
  const source = new EventSource(runPath(runId, "/events"));
  source.onmessage = (message) => render(JSON.parse(message.data));
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED && state.source === source) $("transcript").append(element("div", "failure", "The run's events could not be read: open it again from the queue."));
  };
  state.source = source;
}

/** A line for a change of the opened run's state; a parked run shows its call to decide on. */
function renderRunState(event) {
  for (const box of $("transcript").querySelectorAll("[data-queue-approval]")) settleQueueApproval(box, event.state === "queued" ? "Decided: the run goes on." : "No longer waiting.");
  const failed = event.state === "failed" || event.state === "cancelled";
  $("transcript").append(element("div", failed ? "failure" : "run-summary", runStateText(event)));
  if (event.state === "waiting-approval" && event.pendingApproval) $("transcript").append(queueApproval(queue.runId, event.pendingApproval));
  if (event.state !== "running") setRunning(false);
  $("run-state").textContent = event.state;
  if (FINAL_STATES.has(event.state)) {
    $("cancel-run").disabled = true;
    state.source?.close();
  }
}

function runStateText({ state: runState, reason, worker }) {
  switch (runState) {
    case "queued":
      return reason ? `Queued: ${reason}` : "Queued: waiting for a worker.";
    case "running":
      return worker ? `Running on worker ${worker}.` : "Running.";
    case "waiting-approval":
      return "Parked until a person decides on a tool call (no worker is held meanwhile).";
    case "completed":
      return "Completed.";
    default:
      return `${runState === "failed" ? "Failed" : "Cancelled"}${reason ? ": " + reason : "."}`;
  }
}

function watchFailed(event) {
  $("transcript").append(element("div", "failure", event.message));
  state.source?.close();
}

$("show-queue").addEventListener("click", () => showQueue());
$("back-to-queue").addEventListener("click", () => showQueue());
$("cancel-run").addEventListener("click", () => queue.runId && cancelRun(queue.runId));

/** Shows the queue's list (`queue`) or one run (`queue/<runId>`), as the address says; false when the UI has no queue. */
async function restoreQueueView(hash) {
  if (!(await queueShown)) return false;
  if (hash.startsWith("queue/")) await openRun(decodeURIComponent(hash.slice("queue/".length)));
  else showQueue();
  return true;
}

/** Whether the server shows a queue; the Queue button and the list's polling start when it does. */
const queueShown = (async function startQueue() {
  const response = await fetch("/api/queue");
  if (response.status === 404) return false;
  $("show-queue").hidden = false;
  setInterval(refreshQueue, QUEUE_POLL_MS);
  refreshQueue();
  return true;
})();
