// A tiny highlighter for the model's Python and JavaScript: comments, strings, numbers, keywords.
// It builds spans with textContent only: the code is the model's output, never trusted as HTML.
"use strict";
(function () {
  const KEYWORDS = new Set(("and as assert async await break case catch class const continue def del elif else except export " +
    "false False finally for from function global if import in is lambda let new None nonlocal not null or pass raise " +
    "return switch this throw true True try typeof undefined var while with yield").split(" "));
  const TOKEN = /(#[^\n]*|\/\/[^\n]*|\/\*[\s\S]*?\*\/)|("""[\s\S]*?"""|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|(\b\d[\d_.]*\b)|([A-Za-z_$][\w$]*)/g;

  /** Fills `element` with `code`, highlighted. */
  window.highlightCode = function (element, code, language) {
    element.textContent = "";
    let last = 0;
    const add = (text, kind) => {
      if (text === "") return;
      if (kind === undefined) return element.append(document.createTextNode(text));
      const span = document.createElement("span");
      span.className = "hl-" + kind;
      span.textContent = text;
      element.append(span);
    };
    for (const match of code.matchAll(TOKEN)) {
      const [text, comment, string, number, word] = match;
      // "#" starts a comment in Python only; "//" in JavaScript only.
      if (comment && (comment.startsWith("#") ? language !== "python" : language === "python")) continue;
      add(code.slice(last, match.index));
      add(text, comment ? "comment" : string ? "string" : number ? "number" : word && KEYWORDS.has(word) ? "keyword" : undefined);
      last = match.index + text.length;
    }
    add(code.slice(last));
  };
})();
