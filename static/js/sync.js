// Synchronization page: follows the run shown in #sync-progress, asking its status (JSON) every second
// and updating the bar, the phase and the counts until the run is over. Without this script the page
// shows the state it was rendered with, and a link to reload it.
"use strict";

(() => {
  const section = document.getElementById("sync-progress");
  if (!section || section.dataset.final === "true") {
    return;
  }
  const POLL_MS = 1000;
  const url = section.dataset.statusUrl;
  const status = document.getElementById("run-status");
  const phase = document.getElementById("run-phase");
  const bar = document.getElementById("run-bar");
  const done = document.getElementById("run-done");
  const counts = document.getElementById("run-counts");
  const summary = document.getElementById("run-summary");
  const links = document.getElementById("run-links");
  document.getElementById("run-reload")?.setAttribute("hidden", "");
  let failures = 0;

  function showCounts(pairs) {
    const items = pairs.map(([name, number]) => {
      const item = document.createElement("li");
      const value = document.createElement("strong");
      value.textContent = String(number);
      item.append(value, ` ${name}`);
      return item;
    });
    counts.replaceChildren(...items);
  }

  // The run's line in Recent runs says the same as the progress above it.
  function showRow(run) {
    const row = document.querySelector(`#runs-table tr[data-run="${run.id}"]`);
    if (!row) {
      return;
    }
    row.dataset.status = run.status;
    const lozenge = row.querySelector('[data-cell="status"]');
    lozenge.textContent = run.status_label;
    lozenge.className = `lozenge ${run.lozenge}`;
    row.querySelector('[data-cell="summary"]').textContent = run.summary;
    row.querySelector('[data-cell="finished"]').textContent = run.finished_label;
  }

  function showProgress(run) {
    if (run.total) {
      bar.max = run.total;
      bar.value = run.done || 0;
      done.textContent = `${run.done || 0} of ${run.total}`;
    } else if (run.final) {
      bar.max = 1;
      bar.value = 1;
      done.textContent = "";
    } else {
      bar.removeAttribute("value");  // indeterminate until the source says how many there are
      done.textContent = run.done ? `${run.done} read` : "";
    }
  }

  function show(run) {
    status.textContent = run.status_label;
    status.className = `lozenge ${run.lozenge}`;
    status.dataset.status = run.status;
    phase.textContent = run.phase_label;
    showProgress(run);
    showCounts(run.counts);
    if (summary.textContent !== run.summary) {
      summary.textContent = run.summary;  // a live region: said when it changes, not every second
    }
    section.dataset.final = String(run.final);
    section.dataset.status = run.status;  // the bar's colour: red once the run failed or was interrupted
    links.hidden = !run.final;
    showRow(run);
  }

  async function poll() {
    try {
      const response = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      const type = response.headers.get("Content-Type") || "";
      if (!response.ok || !type.startsWith("application/json")) {
        throw new Error(`status ${response.status}`);
      }
      failures = 0;
      const run = await response.json();
      show(run);
      if (run.final) {
        return;
      }
    } catch (error) {
      failures += 1;
      if (failures >= 5) {
        summary.textContent = "The progress is not available: reload the page (and sign in again if asked).";
        return;
      }
    }
    setTimeout(poll, POLL_MS);
  }

  setTimeout(poll, POLL_MS);
})();
