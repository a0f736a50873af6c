// Setup Provisioning Options: live previews, in-place mapping rows, and what saving does to the users already
// provisioned, refreshed as the admin edits. The page works without it: its Preview, Preview effect, Add row and
// Remove buttons then re-render the form on the server (unsaved).
"use strict";

(() => {
  const form = document.getElementById("options-form");
  if (!form) {
    return;
  }
  const DEBOUNCE_MS = 250;
  const previewUrl = form.dataset.previewUrl;
  const classes = JSON.parse(form.dataset.previewClasses);
  const csrfToken = form.elements.csrf_token.value;
  const rows = document.getElementById("mapping-rows");
  const template = document.getElementById("mapping-row-template");
  const status = document.getElementById("mapping-status");
  // Which options each preview depends on (the server takes the others from the saved app).
  const WATCHED = {
    username: ["username_regex", "username_replacement", "username_sample"],
    group: ["import_groups", "group_include", "group_exclude", "unmapped_groups", "group_sample"],
  };

  const names = (text) => [...new Set(text.split(",").map((name) => name.trim()).filter(Boolean))];

  // The group mapping as the server reads it on Save: cleared and half-filled rows left out.
  function mapping() {
    const result = {};
    for (const row of rows.querySelectorAll("tr")) {
      const [idp, hosts] = row.querySelectorAll("input[type=text]");
      const groups = names(hosts.value);
      if (idp.value.trim() && groups.length) {
        result[idp.value.trim()] = groups;
      }
    }
    return result;
  }

  function optionsFor(kind) {
    const el = form.elements;
    if (kind === "username") {
      return { username_regex: el.username_regex.value, username_replacement: el.username_replacement.value };
    }
    return {
      import_groups: el.import_groups.checked,
      group_include: el.group_include.value,
      group_exclude: el.group_exclude.value,
      unmapped_groups: el.unmapped_groups.value,
      group_mapping: mapping(),
    };
  }

  function show(kind, result) {
    const region = document.getElementById(`${kind}-preview`);
    const line = document.createElement("p");
    line.className = classes[result.outcome] || "flag";
    line.dataset.outcome = result.outcome;
    line.textContent = result.message;
    region.replaceChildren(line);
  }

  const pending = {};

  async function preview(kind) {
    pending[kind]?.abort();
    const controller = new AbortController();
    pending[kind] = controller;
    const body = { preview: kind, sample: form.elements[`${kind}_sample`].value, options: optionsFor(kind) };
    try {
      const response = await fetch(previewUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrfToken },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      const type = response.headers.get("Content-Type") || "";
      if (!type.startsWith("application/json")) {
        throw new Error(`status ${response.status}`);
      }
      show(kind, await response.json());
    } catch (error) {
      if (error.name !== "AbortError") {
        show(kind, { outcome: "invalid", message: "The preview is not available; reload the page and sign in again." });
      }
    }
  }

  const timers = {};
  function schedule(kind) {
    clearTimeout(timers[kind]);
    timers[kind] = setTimeout(() => preview(kind), DEBOUNCE_MS);
  }

  function kindOf(target) {
    if (target.closest("#mapping-rows")) {
      return "group";
    }
    return Object.keys(WATCHED).find((kind) => WATCHED[kind].includes(target.name));
  }

  function onChange(event) {
    const kind = kindOf(event.target);
    if (!kind) {
      return;
    }
    // Nothing to say before a sample is typed; a typed sample follows every change.
    if (form.elements[`${kind}_sample`].value) {
      schedule(kind);
    } else if (event.target.name === `${kind}_sample`) {
      clearTimeout(timers[kind]);
      pending[kind]?.abort();
      document.getElementById(`${kind}-preview`).replaceChildren();
    }
  }

  // Mapping rows: added and removed in place; the names the server reads are mapping-N-idp and mapping-N-host.
  function renumber() {
    rows.querySelectorAll("tr").forEach((row, position) => {
      const [idp, hosts] = row.querySelectorAll("input[type=text]");
      idp.setAttribute("aria-label", `IdP group, row ${position + 1}`);
      hosts.setAttribute("aria-label", `Host groups, row ${position + 1}`);
      row.querySelector("button").setAttribute("aria-label", `Remove row ${position + 1}`);
    });
  }

  function addRow() {
    const used = [...rows.querySelectorAll("tr")].map((row) => Number(row.id.replace("mapping-row-", "")));
    const index = used.length ? Math.max(...used) + 1 : 0;
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__index__", String(index)));
    renumber();
    document.getElementById(`mapping-${index}-idp`).focus();
    status.textContent = `Row ${rows.querySelectorAll("tr").length} added.`;
  }

  function removeRow(row) {
    const next = row.nextElementSibling || row.previousElementSibling;
    const position = [...rows.children].indexOf(row) + 1;
    row.remove();
    renumber();
    (next ? next.querySelector("input") : document.getElementById("mapping-add")).focus();
    status.textContent = `Row ${position} removed; select Save to keep the change.`;
    if (form.elements.group_sample.value) {
      schedule("group");
    }
    scheduleEffect();
  }

  // What saving the form as typed does to the users already provisioned: the server plans it from the same fields
  // Save sends, and answers the summary's HTML (rendered as without JavaScript) with whether anything would apply.
  const effectUrl = form.dataset.effectUrl;
  const effect = document.getElementById("effect");
  const effectStatus = document.getElementById("effect-status");
  const apply = form.elements.apply;
  const applyOffered = form.elements.apply_offered;
  const EFFECT_DEBOUNCE_MS = 500; // a plan reads every user the app provisioned: wait for a pause in typing
  let effectRequest = null;
  let effectTimer = null;
  let effectAsked = ""; // the form as last planned: typing that changes nothing asks nothing
  let applyChosen = false; // the admin ticked or unticked "Also apply": keep that choice while there is something to apply

  function showEffect(result) {
    const wasOpen = document.getElementById("effect-details")?.open;
    effect.innerHTML = result.html;
    const details = document.getElementById("effect-details");
    if (details && wasOpen) {
      details.open = true;
    }
    effectStatus.textContent = result.summary;
    const offered = !apply.disabled;
    apply.disabled = !result.apply;
    applyOffered.disabled = !result.apply;
    if (!result.apply) {
      apply.checked = false;
    } else if (!offered || !applyChosen) {
      apply.checked = true;
    }
  }

  function effectFailed() {
    const line = document.createElement("p");
    line.className = "flag flag-error";
    line.id = "effect-line";
    line.textContent = "The effect on existing users is not available; reload the page and sign in again.";
    effect.replaceChildren(line);
    effectStatus.textContent = line.textContent;
  }

  async function refreshEffect(force = false) {
    const body = new URLSearchParams(new FormData(form));
    for (const name of ["apply", "apply_offered", "username_sample", "group_sample"]) {
      body.delete(name);
    }
    if (!force && body.toString() === effectAsked) {
      return;
    }
    effectAsked = body.toString();
    effectRequest?.abort();
    const controller = new AbortController();
    effectRequest = controller;
    try {
      const response = await fetch(effectUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRF-Token": csrfToken },
        body,
        signal: controller.signal,
      });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.startsWith("application/json")) {
        throw new Error(`status ${response.status}`);
      }
      showEffect(await response.json());
    } catch (error) {
      if (error.name !== "AbortError") {
        effectAsked = "";
        effectFailed();
      }
    }
  }

  function scheduleEffect() {
    clearTimeout(effectTimer);
    effectTimer = setTimeout(() => refreshEffect(), EFFECT_DEBOUNCE_MS);
  }

  function onEffectChange(event) {
    const name = event.target.name;
    if (name === "apply") {
      applyChosen = true;
    } else if (name && !name.endsWith("_sample")) {
      scheduleEffect();
    }
  }

  form.addEventListener("input", onEffectChange);
  form.addEventListener("change", onEffectChange);

  form.addEventListener("input", onChange);
  form.addEventListener("change", onChange);

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) {
      return;
    }
    if (button.name === "remove_row") {
      event.preventDefault();
      removeRow(button.closest("tr"));
    } else if (button.value === "add-row") {
      event.preventDefault();
      addRow();
    } else if (button.value === "preview-effect") {
      event.preventDefault();
      clearTimeout(effectTimer);
      refreshEffect(true);
    } else if (button.value.startsWith("preview-")) {
      event.preventDefault();
      const kind = button.value.replace("preview-", "");
      clearTimeout(timers[kind]);
      preview(kind);
    }
  });

  // A sample typed before the page was shown again (Add row, an error) gets its result back.
  for (const kind of Object.keys(WATCHED)) {
    if (form.elements[`${kind}_sample`].value && !document.getElementById(`${kind}-preview`).children.length) {
      preview(kind);
    }
  }

  // Enter in a "Try ..." field previews instead of saving.
  form.addEventListener("keydown", (event) => {
    const kind = event.target.dataset?.preview;
    if (kind && event.key === "Enter") {
      event.preventDefault();
      clearTimeout(timers[kind]);
      preview(kind);
    }
  });
})();
