// The codeagent web UI: conversations on the left, the selected one's run rendered from its
// Server-Sent Events. Everything the model or a tool wrote is set with textContent, never as HTML.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { conversationId: undefined, source: undefined, view: undefined, runStartedAt: undefined, timer: undefined, stopClicks: 0, lastTask: undefined };

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Calls the server's API with `body` as JSON (`text` when it is JSON already); throws the server's error. */
async function api(method, path, body, text) {
  const json = text !== undefined ? text : body === undefined ? undefined : JSON.stringify(body);
  const response = await fetch(path, {
    method,
    headers: json === undefined ? {} : { "Content-Type": "application/json" },
    body: json,
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `HTTP ${response.status}`);
  return data;
}

function show(value) {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

/** A tool call as the code made it: positional arguments, then keyword ones. */
function formatCall(name, { args = [], kwargs = {} }) {
  const parts = [...args.map((value) => JSON.stringify(value)), ...Object.entries(kwargs).map(([key, value]) => `${key}=${JSON.stringify(value)}`)];
  return `${name}(${parts.join(", ")})`;
}

function formatTokens(usage) {
  return usage ? `${usage.inputTokens} in · ${usage.outputTokens} out` : "";
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}

// ---- conversations ----

async function refreshConversations() {
  const list = await api("GET", "/api/conversations");
  const ul = $("conversations");
  ul.textContent = "";
  for (const conversation of list) {
    const li = element("li");
    li.append(element("span", "title", conversation.title));
    li.dataset.id = conversation.id;
    if (conversation.id === state.conversationId) li.classList.add("selected");
    if (conversation.busy) li.classList.add("busy");
    li.addEventListener("click", () => select(conversation.id));
    const remove = element("button", "delete", "×");
    remove.type = "button";
    remove.title = "Delete this conversation (its run is stopped, its agent closed)";
    remove.addEventListener("click", (click) => {
      click.stopPropagation();
      deleteConversation(conversation.id);
    });
    li.append(remove);
    ul.append(li);
  }
  return list;
}

async function deleteConversation(id) {
  await api("DELETE", `/api/conversations/${id}`);
  if (id !== state.conversationId) return refreshConversations();
  state.source?.close();
  state.conversationId = undefined;
  const rest = await refreshConversations();
  if (rest.length > 0) await select(rest[0].id);
  else await newConversation();
}

async function newConversation() {
  const created = await api("POST", "/api/conversations");
  await select(created.id);
}

async function select(id) {
  state.source?.close();
  state.conversationId = id;
  document.body.dataset.view = "conversation";
  location.hash = id;
  $("download-memory").href = `/api/conversations/${id}/memory`;
  $("transcript").textContent = "";
  state.view = newView();
  setRunning(false);
  resetTotals();
  await refreshConversations();
  const source = new EventSource(`/api/conversations/${id}/events`);
  source.onmessage = (message) => render(JSON.parse(message.data));
  state.source = source;
}

// ---- totals and buttons ----

function newView() {
  // Where events go: depth 0 is the conversation's own agent; deeper ones are managed agents.
  return { contexts: [{ root: $("transcript"), steps: new Map(), current: undefined }], totals: { inputTokens: 0, outputTokens: 0 } };
}

function resetTotals() {
  $("tokens-in").textContent = "0";
  $("tokens-out").textContent = "0";
  $("elapsed").textContent = seconds(0);
  $("run-state").textContent = "idle";
}

function addTokens(usage) {
  if (!usage) return;
  const totals = state.view.totals;
  totals.inputTokens += usage.inputTokens;
  totals.outputTokens += usage.outputTokens;
  $("tokens-in").textContent = String(totals.inputTokens);
  $("tokens-out").textContent = String(totals.outputTokens);
}

function setRunning(running) {
  $("send").disabled = running;
  $("stop").disabled = !running;
  $("stop").textContent = "Stop";
  state.stopClicks = 0;
  clearInterval(state.timer);
  if (running) {
    $("run-state").textContent = "running";
    state.runStartedAt = Date.now();
    state.timer = setInterval(() => ($("elapsed").textContent = seconds(Date.now() - state.runStartedAt)), 100);
  }
}

// ---- rendering ----

function contextOf(event) {
  const contexts = state.view.contexts;
  const depth = event.managed ? event.managed.depth : 0;
  if (event.managed && event.type === "run-start") {
    // A managed agent's run nests under the step of its manager that called it.
    const parent = contexts[depth - 1] || contexts[0];
    const parentStep = parent.steps.get(event.managed.parentStepNumber) || parent.current || { body: parent.root };
    const block = element("details", "subagent");
    block.open = true;
    block.append(element("summary", "", `Sub-agent ${event.managed.agent}`));
    parentStep.body.append(block);
    contexts[depth] = { root: block, steps: new Map(), current: undefined };
  }
  return contexts[depth] || contexts[0];
}

function stepOf(context, stepNumber) {
  let step = context.steps.get(stepNumber);
  if (!step) step = openStep(context, stepNumber, "action");
  return step;
}

function openStep(context, stepNumber, stepType) {
  const details = element("details", "step");
  details.open = true;
  const summary = element("summary", "", stepType === "action" ? `Step ${stepNumber}` : stepType === "planning" ? "Plan" : "Final answer (steps ran out)");
  const meta = element("span", "meta", "");
  summary.append(meta);
  const thought = element("pre", "thought");
  details.append(summary, thought);
  const step = { details, meta, thought, body: details };
  context.steps.set(stepNumber, step);
  context.current = step;
  context.root.append(details);
  return step;
}

function withoutCode(text) {
  return text.replace(/<code>[\s\S]*?(<\/code>|$)/g, "").replace(/```[\s\S]*?(```|$)/g, "").trim();
}

function render(event) {
  const context = contextOf(event);
  const step = event.stepNumber !== undefined && event.type !== "step-start" ? stepOf(context, event.stepNumber) : undefined;
  switch (event.type) {
    case "ui-user-message":
      state.lastTask = event.task;
      $("transcript").append(userMessage(event));
      setRunning(true);
      refreshConversations();
      break;
    case "run-start":
      if (!event.managed) setRunning(true);
      break;
    case "step-start":
      openStep(context, event.stepNumber, event.stepType);
      break;
    case "model-delta":
      step.thought.textContent += event.text;
      break;
    case "model-output":
      step.thought.textContent = withoutCode(event.text);
      step.meta.textContent = `${formatTokens(event.tokenUsage)} · model ${seconds(event.durationMs)}`;
      addTokens(event.tokenUsage);
      break;
    case "code": {
      const pre = element("pre", "code");
      window.highlightCode(pre, event.code, event.language);
      step.body.append(pre);
      break;
    }
    case "tool-call":
      step.body.append(element("div", "tool", `→ ${formatCall(event.name, event.arguments)}`));
      break;
    case "tool-result":
      step.body.append(element("div", "tool", `← ${event.call.name}: ${event.call.error !== undefined ? "error: " + event.call.error : show(event.call.result)}`));
      break;
    case "logs":
      if (event.text.trim() !== "") step.body.append(element("pre", "logs", event.text));
      break;
    case "error":
      step.body.append(element("pre", "error", `${event.error.type}: ${event.error.message}`));
      break;
    case "plan":
      step.thought.textContent = "";
      step.body.append(element("pre", "plan", event.plan));
      break;
    case "step-finish": {
      const last = context.current;
      if (last && event.step.timing) last.meta.textContent = `${formatTokens(event.step.tokenUsage)} · ${seconds(event.step.timing.durationMs)}`;
      break;
    }
    case "ui-approval-pending":
      // In the step that asked: a sub-agent's, inside its manager's call, when the server knows it.
      renderApproval(step ? step.body : context.current ? context.current.body : context.root, event);
      break;
    case "ui-approval-settled":
      settleApproval(event);
      break;
    case "final-answer": {
      const box = element("div", "final-answer");
      box.append(element("h3", "", event.managed ? `${event.managed.agent}'s answer` : "Final answer"), element("div", "", show(event.output)));
      (event.managed ? context.root : $("transcript")).append(box);
      break;
    }
    case "run-finish":
      if (event.managed) break;
      finishRun(`${event.result.state} · ${formatTokens(event.result.tokenUsage)} · ${seconds(event.result.durationMs)}`, event.result.state, event.result.durationMs);
      break;
    case "ui-events-dropped":
      $("transcript").append(element("div", "run-summary", `${event.count} older events are no longer kept: the conversation's start is not shown.`));
      break;
    case "ui-memory-opened":
      setRunning(false);
      $("run-state").textContent = "opened";
      $("transcript").append(element("div", "run-summary opened", `Opened ${event.name} (${event.steps} steps). Send a message to continue from it.`));
      state.view.contexts.length = 1;
      break;
    case "ui-run-failed":
      $("transcript").append(element("div", "failure", `The run failed: ${event.error}: ${event.message}`));
      finishRun("failed", "failed");
      break;
    case "ui-run-state":
      renderRunState(event);
      break;
    case "ui-watch-failed":
      watchFailed(event);
      break;
  }
  $("transcript").scrollTop = $("transcript").scrollHeight;
}

function finishRun(summary, runState, durationMs) {
  setRunning(false);
  $("run-state").textContent = runState;
  if (durationMs !== undefined) $("elapsed").textContent = seconds(durationMs);
  const line = element("div", "run-summary", `Run ${summary}`);
  if (runState === "interrupted" && state.lastTask !== undefined) {
    const resume = element("button", "", "Resume");
    resume.type = "button";
    const task = state.lastTask;
    resume.addEventListener("click", () => send(task));
    line.append(" ", resume);
  }
  $("transcript").append(line);
  state.view.contexts.length = 1;
  refreshConversations();
}

function renderApproval(parent, event) {
  const box = element("div", "approval");
  box.dataset.approval = event.id;
  box.append(element("div", "", `Approve this call? ${event.description}`), element("pre", "logs", `${event.tool}(${JSON.stringify(event.arguments, null, 2)})`));
  const approve = element("button", "", "Approve");
  const refuse = element("button", "", "Refuse");
  approve.type = refuse.type = "button";
  const decide = (approved) => {
    approve.disabled = refuse.disabled = true;
    api("POST", `/api/conversations/${state.conversationId}/approvals/${event.id}`, { approved }).catch((error) => box.append(element("div", "failure", error.message)));
  };
  approve.addEventListener("click", () => decide(true));
  refuse.addEventListener("click", () => decide(false));
  box.append(approve, refuse);
  parent.append(box);
}

function settleApproval(event) {
  const box = document.querySelector(`[data-approval="${CSS.escape(event.id)}"]`);
  if (!box) return;
  for (const button of box.querySelectorAll("button")) button.remove();
  box.append(element("div", "", event.approved ? "Approved." : `Refused${event.reason ? ": " + event.reason : ""}.`));
}

function userMessage(event) {
  const box = element("div", "user", event.task);
  if (event.attachments && event.attachments.length > 0) box.append(element("div", "attachments", `Attached: ${event.attachments.join(", ")}`));
  return box;
}

// ---- sending and stopping ----

async function send(task, attachments) {
  try {
    await api("POST", `/api/conversations/${state.conversationId}/messages`, attachments && attachments.length > 0 ? { task, attachments } : { task });
  } catch (error) {
    $("transcript").append(element("div", "failure", error.message));
  }
}

/** A file as the server takes it: its name, media type and bytes in base64 (the data URL's tail). */
function readAttachment(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve({ name: file.name, type: file.type, data: String(reader.result).replace(/^data:[^,]*,/, "") });
    reader.onerror = () => reject(new Error(`Could not read ${file.name}.`));
    reader.readAsDataURL(file);
  });
}

function showAttached() {
  $("attached").textContent = [...$("files").files].map((file) => file.name).join(", ");
}

$("files").addEventListener("change", showAttached);

$("composer").addEventListener("submit", async (submit) => {
  submit.preventDefault();
  const task = $("task").value.trim();
  if (task === "") return;
  let attachments;
  try {
    attachments = await Promise.all([...$("files").files].map(readAttachment));
  } catch (error) {
    $("transcript").append(element("div", "failure", error.message));
    return;
  }
  $("task").value = "";
  $("files").value = "";
  showAttached();
  send(task, attachments);
});

$("task").addEventListener("keydown", (key) => {
  if (key.key === "Enter" && (key.ctrlKey || key.metaKey)) $("composer").requestSubmit();
});

$("stop").addEventListener("click", () => {
  // The first click ends the run after its current step (resumable); a second ends it at once.
  state.stopClicks++;
  $("stop").textContent = "Stop now";
  $("run-state").textContent = state.stopClicks === 1 ? "stopping after this step" : "stopping";
  api("POST", `/api/conversations/${state.conversationId}/stop`).catch(() => undefined);
});

$("new-conversation").addEventListener("click", () => newConversation());

// A saved memory (what "Download memory" saved) opens as a new conversation that continues from it.
$("memory-file").addEventListener("change", async () => {
  const file = $("memory-file").files[0];
  $("memory-file").value = "";
  if (!file) return;
  try {
    const created = await api("POST", `/api/conversations/from-memory?name=${encodeURIComponent(file.name)}`, undefined, await file.text());
    await select(created.id);
  } catch (error) {
    $("transcript").append(element("div", "failure", `Could not open ${file.name}: ${error.message}`));
  }
});

(async function start() {
  const list = await refreshConversations();
  const wanted = location.hash.slice(1);
  // The queue's list or one of its runs (queue.js), when the page was showing it.
  if (wanted.startsWith("queue") && typeof restoreQueueView === "function" && (await restoreQueueView(wanted))) return;
  if (list.some((conversation) => conversation.id === wanted)) await select(wanted);
  else if (list.length > 0) await select(list[0].id);
  else await newConversation();
})();
