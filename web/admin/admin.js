// The site owner's console: plain DOM over the gateway's /admin/api (docs/api.md). The admin token lives in this
// tab's sessionStorage only.
(() => {
  "use strict";
  const $ = (id) => document.getElementById(id);
  const tokenKey = "voice-admin-token";

  class Unauthorized extends Error {}

  async function api(path, options = {}) {
    const headers = { ...(options.headers || {}) };
    const token = sessionStorage.getItem(tokenKey);
    if (token) headers.Authorization = `Bearer ${token}`;
    const response = await fetch(`../admin/api/${path}`, { ...options, headers });
    if (response.status === 401) throw new Unauthorized();
    if (response.status === 204) return null;
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error((body.error && body.error.message) || `HTTP ${response.status}`);
    return body;
  }

  function say(text, isError = false) {
    $("status").textContent = text;
    $("status").className = isError ? "error" : "";
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text == null ? "" : String(text);
    if (className) td.className = className;
    return td;
  }

  const when = (iso) => (iso ? new Date(iso).toLocaleString() : "");

  async function loadGaps() {
    const { gaps } = await api("gaps");
    const body = $("gaps");
    body.replaceChildren();
    if (!gaps.length) cell(body.insertRow(), "No unanswered questions yet.", "muted").colSpan = 4;
    for (const gap of gaps) {
      const row = body.insertRow();
      row.dataset.question = gap.question;
      const question = cell(row, gap.question);
      if (gap.examples.length) {
        const more = document.createElement("div");
        more.className = "muted";
        more.textContent = `also: ${gap.examples.join(" · ")}`;
        question.append(more);
      }
      cell(row, `${gap.count}×`);
      cell(row, when(gap.last_asked));
      const button = document.createElement("button");
      button.textContent = "Write an answer";
      button.className = "write-answer";
      button.addEventListener("click", () => writeAnswer(row, gap.question));
      row.insertCell().append(button);
    }
  }

  function writeAnswer(row, question) {
    if (row.nextSibling && row.nextSibling.classList.contains("answer-editor")) return;
    const editor = row.parentNode.insertBefore(document.createElement("tr"), row.nextSibling);
    editor.className = "answer-editor";
    const td = editor.insertCell();
    td.colSpan = 4;
    const form = document.createElement("form");
    const questionInput = Object.assign(document.createElement("input"), { type: "text", value: question });
    questionInput.setAttribute("aria-label", "Question");
    const answer = Object.assign(document.createElement("textarea"), { placeholder: "The answer, as it should be spoken" });
    answer.setAttribute("aria-label", "Answer");
    const save = Object.assign(document.createElement("button"), { type: "submit", textContent: "Save the answer" });
    form.append(questionInput, answer, save);
    td.append(form);
    answer.focus();
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api("qa", { method: "POST", headers: { "Content-Type": "application/json" },
                          body: JSON.stringify({ question: questionInput.value, answer: answer.value }) });
        say(`Saved: visitors asking "${questionInput.value}" now get your answer.`);
        editor.remove();
        await loadQA();
      } catch (error) {
        handle(error);
      }
    });
  }

  /**
   * The last hour from the question log: how many, which kinds of answer, and each stage's p50 and p95; then
   * when visitors' browsers first heard the answers, as the widget reports it.
   */
  async function loadLive() {
    const [{ questions }, heard] = await Promise.all([api("questions?limit=1000"), api("first-audio?minutes=60")]);
    const since = Date.now() - 3600 * 1000;
    const recent = questions.filter((entry) => new Date(entry.asked_at).getTime() >= since);
    const kinds = {};
    for (const entry of recent) kinds[entry.answer_kind] = (kinds[entry.answer_kind] || 0) + 1;
    $("live-summary").textContent = recent.length
      ? `${recent.length} questions (${(recent.length / 60).toFixed(1)} a minute): ` +
        Object.entries(kinds).sort((a, b) => b[1] - a[1]).map(([kind, count]) => `${count} ${kind}`).join(", ")
      : "No questions in the last hour.";
    const percentile = (values, p) => values[Math.min(values.length - 1, Math.round((p / 100) * (values.length - 1)))];
    const body = $("live");
    body.replaceChildren();
    for (const [label, key] of [["speech to text", "stt_ms"], ["retrieval", "retrieve_ms"], ["model", "llm_ms"],
                                ["speech", "tts_ms"], ["first audio at the gateway", "first_audio_ms"], ["whole answer", "total_ms"]]) {
      const values = recent.map((entry) => entry.timings[key]).filter((value) => typeof value === "number" && value > 0)
        .sort((a, b) => a - b);
      addStage(label, values);
    }
    addStage("heard in the browser", [...heard.first_audio_ms].sort((a, b) => a - b));

    function addStage(label, values) {
      if (!values.length) return;
      const row = body.insertRow();
      cell(row, label);
      cell(row, Math.round(percentile(values, 50)));
      cell(row, Math.round(percentile(values, 95)));
    }
  }

  async function loadQuestions() {
    const search = $("search").value.trim();
    const { questions } = await api(`questions?limit=200${search ? `&search=${encodeURIComponent(search)}` : ""}`);
    const body = $("questions");
    body.replaceChildren();
    if (!questions.length) cell(body.insertRow(), search ? "No question matches." : "No questions yet.", "muted").colSpan = 7;
    for (const entry of questions) {
      const row = body.insertRow();
      cell(row, when(entry.asked_at));
      cell(row, entry.question);
      cell(row, entry.answer);
      const kind = document.createElement("span");
      kind.className = `kind ${entry.answer_kind}`;
      kind.textContent = entry.decline_reason ? `${entry.answer_kind} (${entry.decline_reason})` : entry.answer_kind;
      row.insertCell().append(kind);
      cell(row, entry.sources.join(", "));
      cell(row, Math.round(entry.timings.total_ms || 0));
      // Searching for the full id lists that conversation's turns.
      cell(row, entry.session_id ? entry.session_id.slice(0, 8) : "").title = entry.session_id || "";
    }
  }

  /** A button that asks, then DELETEs `path` and reloads its table. */
  function deleteButton(verb, name, consequence, path, reload) {
    const button = Object.assign(document.createElement("button"), { className: "quiet", textContent: verb });
    button.setAttribute("aria-label", `${verb} ${name}`);
    button.addEventListener("click", async () => {
      if (!confirm(`${verb} ${name}? ${consequence}`)) return;
      try {
        await api(path, { method: "DELETE" });
        say(`${verb === "Delete" ? "Deleted" : "Revoked"} ${name}.`);
        await reload();
      } catch (error) {
        handle(error);
      }
    });
    return button;
  }

  async function loadDocuments() {
    const { documents } = await api("documents");
    const body = $("documents");
    body.replaceChildren();
    for (const document_ of documents) {
      const row = body.insertRow();
      cell(row, document_.source);
      cell(row, document_.title);
      cell(row, document_.chunks);
      cell(row, `${Math.max(1, Math.round(document_.bytes / 1024))} kB`);
      cell(row, when(document_.ingested_at));
      row.insertCell().append(deleteButton("Delete", document_.source, "Answers will no longer come from it.",
                                           `documents/${encodeURIComponent(document_.id)}`, loadDocuments));
    }
  }

  async function upload(files) {
    for (const file of files) {
      say(`Adding ${file.name}…`);
      try {
        const result = await api(`documents?source=${encodeURIComponent(file.name)}`,
                                 { method: "POST", headers: { "Content-Type": file.type || "application/octet-stream" }, body: file });
        say(`${file.name}: ${result.status}, ${result.chunks} chunks.`);
      } catch (error) {
        handle(error, file.name);
      }
    }
    await loadDocuments();
  }

  let storedPairs = [];

  async function loadQA() {
    storedPairs = (await api("qa")).pairs;
    const body = $("qa");
    body.replaceChildren();
    for (const pair of storedPairs) {
      const row = body.insertRow();
      cell(row, pair.question);
      const answer = cell(row, pair.answer);
      // Edited in place: saving stores the pair again, which replaces the answer of the same question.
      answer.contentEditable = "true";
      answer.setAttribute("aria-label", `Answer to ${pair.question}`);
      answer.addEventListener("blur", () => savePair(pair, answer.textContent.trim()));
      answer.addEventListener("keydown", (event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          answer.blur();
        }
      });
      row.insertCell().append(deleteButton("Delete", `the answer to "${pair.question}"`, "Visitors asking it get an answer from the documents, or none.",
                                           `qa/${encodeURIComponent(pair.id)}`, loadQA));
    }
  }

  async function savePair(pair, answer) {
    if (!answer || answer === pair.answer) return;
    try {
      await api("qa", { method: "POST", headers: { "Content-Type": "application/json" },
                        body: JSON.stringify({ question: pair.question, answer, tags: pair.tags }) });
      pair.answer = answer;
      say(`Saved the answer to "${pair.question}".`);
    } catch (error) {
      handle(error);
    }
  }

  /** RFC 4180: every field quoted, quotes doubled; what `POST /qa` reads back. */
  function csv(pairs) {
    const field = (text) => `"${String(text).replaceAll('"', '""')}"`;
    return ["question,answer,tags", ...pairs.map((pair) => [pair.question, pair.answer, pair.tags.join(";")].map(field).join(","))]
      .join("\r\n") + "\r\n";
  }

  async function loadKeys() {
    const { keys } = await api("keys");
    const body = $("keys");
    body.replaceChildren();
    for (const key of keys) {
      const row = body.insertRow();
      cell(row, key.name);
      cell(row, key.origins.join(" "));
      cell(row, when(key.created_at));
      row.insertCell().append(deleteButton("Revoke", key.name, "Pages using it stop working.",
                                           `keys/${encodeURIComponent(key.id)}`, loadKeys));
    }
  }

  async function loadVocabulary() {
    const { terms } = await api("vocabulary");
    $("vocabulary").textContent = terms.length ? terms.join(", ") : "No terms yet.";
  }

  function handle(error, what) {
    if (error instanceof Unauthorized) return showLogin("The admin token was not accepted.");
    say(`${what ? `${what}: ` : ""}${error.message}`, true);
  }

  function showLogin(message) {
    $("console").hidden = true;
    $("login").hidden = false;
    if (message) say(message, true);
    $("token").focus();
  }

  async function start() {
    try {
      await Promise.all([loadLive(), loadGaps(), loadQuestions(), loadDocuments(), loadQA(), loadKeys(), loadVocabulary()]);
      $("login").hidden = true;
      $("console").hidden = false;
      document.body.dataset.ready = "true";
    } catch (error) {
      if (error instanceof Unauthorized) return showLogin(sessionStorage.getItem(tokenKey) ? "The admin token was not accepted." : "");
      say(error.message, true);
    }
  }

  setInterval(() => {
    if (!$("console").hidden) loadLive().catch(handle);
  }, 30000);
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(tokenKey, $("token").value.trim());
    say("");
    start();
  });
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    loadQuestions().catch(handle);
  });
  $("qa-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await api("qa", { method: "POST", headers: { "Content-Type": "application/json" },
                        body: JSON.stringify({ question: $("qa-question").value, answer: $("qa-answer").value }) });
      $("qa-question").value = "";
      $("qa-answer").value = "";
      await loadQA();
    } catch (error) {
      handle(error);
    }
  });
  $("key-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const made = await api("keys", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ name: $("key-name").value, origins: $("key-origins").value.split(/[\s,]+/).filter(Boolean) }) });
      const shown = $("new-key");
      shown.replaceChildren("Copy this key now; it is not shown again: ");
      const code = Object.assign(document.createElement("code"), { textContent: made.key });
      shown.append(code);
      shown.hidden = false;
      $("key-name").value = "";
      $("key-origins").value = "";
      await loadKeys();
    } catch (error) {
      handle(error);
    }
  });
  $("qa-export").addEventListener("click", () => {
    const link = Object.assign(document.createElement("a"), {
      href: URL.createObjectURL(new Blob([csv(storedPairs)], { type: "text/csv" })), download: "qa.csv" });
    link.click();
    URL.revokeObjectURL(link.href);
  });
  $("qa-import").addEventListener("change", async (event) => {
    const [file] = event.target.files;
    if (!file) return;
    try {
      const { imported } = await api("qa", { method: "POST", headers: { "Content-Type": "text/csv" }, body: file });
      say(`Imported ${imported} questions and answers from ${file.name}.`);
      await loadQA();
    } catch (error) {
      handle(error, file.name);
    }
    event.target.value = "";
  });
  const drop = $("drop");
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("over");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("over");
    upload([...event.dataTransfer.files]);
  });
  $("files").addEventListener("change", (event) => upload([...event.target.files]));
  start();
})();
