/**
 * The `codeagent --help` synopsis: every command and every flag, grouped by what they set.
 */

/** The default model when `--model` is not given. */
export const DEFAULT_MODEL = "openai:gpt-4o-mini";

export const HELP = `codeagent — an agent that solves tasks by writing code that runs in a sandbox

Usage:
  codeagent "<task>" [options]          Run an agent on a task, streaming each step
  codeagent run --agent <dir> "<task>"  Run the agent saved in <dir> (agent.save(dir)) on a task
  codeagent exec <code | -> [options]   Run code in a sandbox; print its logs and value
  codeagent demo [--json] [--fast]      Replay a recorded run in a real sandbox (no key needed)
  codeagent models [--json]             List the model providers and what the environment sets for them
  codeagent mcp-server [options]        Serve run_code and run_agent to MCP clients over stdio
                                        (or streamable HTTP at http://127.0.0.1:<port>/mcp with --port)
  codeagent ui [options] [--port <n>]   Chat with the agent in the browser at http://127.0.0.1:7860
                                        (the address to open, with its token, is printed at start);
                                        with --queue <name> [--redis <url>], the queue's runs too:
                                        follow them, approve parked calls, cancel

Durable runs on a queue (BullMQ on Redis; every command takes --queue <name> --redis <url>):
  codeagent worker [options]            Take runs from the queue with agents made from the flags
                                        (as a task's), until SIGTERM or Ctrl-C
  codeagent enqueue "<task>"            Put a task on the queue; print its run id
  codeagent result <runId> [--wait]     Print the run's status as JSON (exit 0 completed, 1 failed
                                        or cancelled, 3 not ended yet)
  codeagent watch <runId> [--json]      Show the run's events from its start until it ends
  codeagent approve <runId> [--refuse]  Decide on the tool call the run waits for
  codeagent cancel <runId>              Stop the run (a running one within a second or so)

Sandbox (a task, exec, mcp-server, ui, worker):
  --executor <name>           pyodide (Python, default), quickjs (JavaScript),
                              monty (a fast Python subset), local-python (this machine's
                              python3; not a security boundary), docker, e2b, modal, blaxel
  --image <name>              docker: the image to run (any with python3 >= 3.9)
  --network                   docker: give the container network access (off by default)
  --python <path>             local-python, docker, e2b, modal, blaxel: the interpreter
  --packages <a,b,...>        pyodide: packages to load (numpy, pandas, ...)
  --packages-dir <folder>     pyodide: the wheels for --packages, offline (nothing downloaded)
  --lang <python|javascript>  Language of the code; javascript alone picks quickjs
  --tools <a,b,...>           Built-in tools (web_search, visit_webpage, wikipedia_search,
                              user_input), or paths of .js/.mjs modules that
                              export tool()s; they may import "codeagent" and "zod" anywhere
  --imports <a,b,...>         Python modules the code may import ("*" for all)
  --module <name=path>        Your own module for the sandbox's code (repeatable): a .py
                              or .js file or a package folder, e.g. --module utils=./utils.py
  --timeout <ms>              Time limit for each code run (default 30000)

Model (a task, mcp-server, ui, worker):
  --model <provider:id>       Model to use (default ${DEFAULT_MODEL}); providers: openai,
                              anthropic, hf, ai-sdk, ollama, vllm, lmstudio, azure, gguf
                              (codeagent models shows which are set up)
  --base-url <url>            The model's server, e.g. http://localhost:11434/v1
  --request-timeout <ms>      How long one model request may wait for an answer (default 600000)
  --max-retries <n>           Retries of a failed model request (default 2)
  --temperature <x>           Sampling temperature from 0 to 2 (default: the server's)
  --no-stop                   Send no stop sequences (for models that reject \`stop\`)
  --no-stream                 Ask for whole replies (for servers that reject streaming options)

Agent (a task, mcp-server, ui, worker):
  --max-steps <n>             Steps before the agent must answer (default 20; enqueue: this run's)
  --planning-interval <n>     Plan at the start and every n steps
  --instructions <text>       Extra instructions for the system prompt
  --mcp <command | url>       The tools of an MCP server (repeatable): a command line in quotes,
                              started over stdio (e.g. --mcp "npx -y some-mcp-server"), or the
                              http(s) URL of a streamable HTTP endpoint
  --agent <dir>               A task: run the agent saved in <dir>; model, agent, --tools and
                              --timeout flags change its settings, sandbox flags are refused
  --allow-host-commands       With --agent: let the file start the programs it names (stdio MCP
                              servers, a local-python interpreter); refused otherwise

MCP server (mcp-server):
  --port <n>                  Serve streamable HTTP on 127.0.0.1:<n> (0 picks a free port)
                              instead of stdio (ui: the page's port, default 7860)
  --token <secret>            The token HTTP clients must send as "Authorization: Bearer <secret>"
                              (default: CODEAGENT_MCP_TOKEN, else a random one, printed at start)

Queue (worker, enqueue, result, watch, approve, cancel):
  --queue <name>              The queue's name, the same for workers and clients
  --redis <url>               Redis's address (default redis://127.0.0.1:6379)
  --concurrency <n>           worker: runs worked on at once, each in its own sandbox, with as
                              many sandboxes kept started ahead of need (default 1)
  --shutdown-grace <s>        worker: on SIGTERM, how long runs may go on before they are handed
                              back to the queue for another worker to resume (default 30)
  --lock-duration <ms>        worker: how soon a run of a worker that died goes to another
                              (default 30000)
  --attempts <n>              enqueue: attempts in all when the run fails for a reason that may
                              pass, each resuming from the last step (default 3)
  --wait                      result: wait until the run has ended
  --timeout <s>               result --wait: give up after this many seconds (exit 3)
  --refuse                    approve: refuse the call instead (the run's code sees the refusal)
  --reason <text>             approve: why, passed to the run's code with a refusal

Tracing (a task, mcp-server):
  --otel                      Send the runs' OpenTelemetry spans over OTLP/HTTP to
                              OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318)

Output:
  --json                      One JSON event per line (exec: one JSON result; worker: what it does)
  --verbose                   Also show the model's reply, tool results, timings, stack traces
  --fast                      demo: replay without the typing delay
  -h, --help  -v, --version

Credentials come from the environment: OPENAI_API_KEY (or pass --base-url for a local server).
Exit codes: 0 success, 1 the run failed, 2 bad usage, 3 the run has not ended (result),
130 interrupted (Ctrl-C).
`;
