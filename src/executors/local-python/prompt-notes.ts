/** What the model is told about the machine's own Python (shown in the agent's system prompt). */
export const LOCAL_PYTHON_PROMPT_NOTES =
  "Your code runs in a real CPython process with the packages installed on this machine; only the imports listed are allowed.";
