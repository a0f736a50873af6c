// Test connection in place: the source form's fields (its CSRF token among them) go to the form's
// data-test-url and the outcome shows in #test-result, a setting's problem beside its field. Without this
// script the button posts the form and the page comes back with the outcome (and the secret field empty).
"use strict";

(() => {
  const form = document.querySelector("form[data-test-url]");
  if (!form) {
    return;
  }
  const button = form.querySelector('button[name="action"][value="test"]');
  const region = document.getElementById("test-result");
  let pending = null;

  function paragraph(text, id, strong) {
    const line = document.createElement("p");
    if (id) {
      line.id = id;
    }
    if (strong) {
      const bold = document.createElement("strong");
      bold.textContent = text;
      line.append(bold);
    } else {
      line.textContent = text;
    }
    return line;
  }

  function show(outcome) {
    const box = document.createElement("div");
    box.id = "test-outcome";
    box.className = outcome.ok ? "flag flag-success" : "flag flag-error";
    box.dataset.ok = String(Boolean(outcome.ok));
    box.dataset.stage = outcome.stage || "";
    box.dataset.code = outcome.code || "";
    box.append(paragraph(outcome.headline, null, true), paragraph(outcome.message, "test-message"));
    if (outcome.detail) {
      box.append(paragraph(outcome.detail, "test-detail"));
    }
    region.replaceChildren(box);
  }

  function waiting() {
    const box = document.createElement("div");
    box.className = "flag";
    box.id = "test-pending";
    box.append(paragraph("Testing the connection…"));
    region.replaceChildren(box);
  }

  // Problems shown beside fields (by the server or by an earlier test) go before each new test.
  function clearFieldErrors() {
    for (const error of form.querySelectorAll("p.error")) {
      error.remove();
    }
    for (const input of form.querySelectorAll('[aria-invalid="true"]')) {
      input.removeAttribute("aria-invalid");
      input.setAttribute("aria-describedby", `${input.name}-help`);
    }
  }

  function markField(name, message) {
    const found = form.elements[name];
    const input = found instanceof RadioNodeList ? found[0] : found;
    const help = input?.closest(".field, fieldset")?.querySelector(`#${name}-help, .help`);
    if (!help) {
      return;  // not a field of this form (the provider): the outcome above says it
    }
    const error = paragraph(message, `${name}-error`);
    error.className = "error";
    help.before(error);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", `${name}-error ${name}-help`);
    input.focus();
  }

  async function test() {
    pending?.abort();
    const controller = new AbortController();
    pending = controller;
    clearFieldErrors();
    waiting();
    button.disabled = true;
    try {
      const response = await fetch(form.dataset.testUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": form.elements.csrf_token.value },
        body: new FormData(form),
        signal: controller.signal,
      });
      const type = response.headers.get("Content-Type") || "";
      if (!type.startsWith("application/json")) {
        throw new Error(`status ${response.status}`);
      }
      const outcome = await response.json();
      show(outcome);
      if (outcome.field) {
        markField(outcome.field, outcome.message);
      }
    } catch (error) {
      if (error.name !== "AbortError") {
        show({ ok: false, stage: "page", code: "unavailable", headline: "Test connection is not available",
               message: "Reload the page (and sign in again if asked), then try again." });
      }
    } finally {
      if (pending === controller) {
        button.disabled = false;
      }
    }
  }

  button.addEventListener("click", (event) => {
    event.preventDefault();
    test();
  });
})();
