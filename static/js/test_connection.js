// Test connection in place: the source form's fields (its CSRF token among them) go to the form's
// data-test-url and the outcome shows in #test-result, a setting's problem beside its field. Without this
// script the button posts the form and the page comes back with the outcome (and the secret field empty).
// A form with data-confirm-untested asks before Save unless a test passed with the values it holds: in place,
// so the typed secret stays; without script the server asks the same (templates/wizard/_unconfirmed.html).
"use strict";

(() => {
  const form = document.querySelector("form[data-test-url]");
  if (!form) {
    return;
  }
  const button = form.querySelector('button[name="action"][value="test"]');
  const region = document.getElementById("test-result");
  let pending = null;
  let tested = null;  // the last outcome, with the values it was for

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
    const folded = input.closest("details");
    if (folded) {
      folded.open = true;  // a problem in the advanced settings unfolds them
    }
    input.focus();
  }

  // The values a test tries: the chosen authentication's fields and the hidden choices, not the buttons.
  function values() {
    const chosen = [];
    for (const element of form.elements) {
      if (!element.name || ["csrf_token", "action", "confirm"].includes(element.name) || element.disabled) {
        continue;
      }
      if ((element.type === "radio" || element.type === "checkbox") && !element.checked) {
        continue;
      }
      const group = element.closest(".auth-fields");
      if (group && group.offsetParent === null) {
        continue;  // the other authentication's fields, hidden: the server ignores them too
      }
      chosen.push([element.name, element.value]);
    }
    return JSON.stringify(chosen);
  }

  function askToConfirm(failed) {
    document.getElementById("save-unconfirmed")?.remove();
    const box = document.createElement("div");
    box.id = "save-unconfirmed";
    box.className = "flag flag-warning";
    box.setAttribute("role", "alert");
    box.dataset.failed = String(Boolean(failed));
    box.append(paragraph(`Test connection ${failed ? "failed" : "has not run"} with these settings. Save anyway?`,
                         null, true));
    if (failed) {
      box.append(paragraph(`${tested.headline}: ${tested.message}`, "unconfirmed-outcome"));
    }
    box.append(paragraph("Until the identity provider answers, every synchronization fails, and the app's " +
                         "Synchronization page says why. Select Test connection to try these settings first, " +
                         "or Save anyway to keep them as they are."));
    const anyway = document.createElement("button");
    anyway.type = "button";
    anyway.className = "button primary";
    anyway.id = "save-anyway";
    anyway.textContent = "Save anyway";
    anyway.addEventListener("click", () => {
      const confirm = document.createElement("input");
      confirm.type = "hidden";
      confirm.name = "confirm";
      confirm.value = "yes";
      form.append(confirm);
      form.submit();
    });
    box.append(anyway);
    region.after(box);
    anyway.focus();
  }

  async function test() {
    pending?.abort();
    const controller = new AbortController();
    pending = controller;
    const sent = values();
    document.getElementById("save-unconfirmed")?.remove();
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
      tested = { ...outcome, values: sent };
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

  const save = form.querySelector("#wizard-save");
  if (form.hasAttribute("data-confirm-untested") && save) {
    save.addEventListener("click", (event) => {
      const same = tested !== null && tested.values === values();
      if (same && tested.ok) {
        return;  // passed with these very values: Save goes ahead
      }
      event.preventDefault();
      askToConfirm(same && !tested.ok);
    });
  }
})();
