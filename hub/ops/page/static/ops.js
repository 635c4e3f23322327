// Keeps /ops live: asks the hub for a fresh fragment every few seconds and swaps it in.
// Served as a file of its own, so the page's policy allows no inline script at all.
"use strict";
(function () {
  const live = document.getElementById("live");
  const status = document.getElementById("live-status");
  if (!live) {
    return;
  }
  const every = Number(live.dataset.every || "5") * 1000;

  function busy() {
    // Never replace a form the operator is filling in.
    const active = document.activeElement;
    return active !== null && live.contains(active) && active.tagName === "INPUT";
  }

  async function refresh() {
    if (busy()) {
      return;
    }
    try {
      const response = await fetch(live.dataset.src, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
        redirect: "manual",
      });
      if (response.status === 401 || response.type === "opaqueredirect") {
        window.location.assign("/ops/login");
        return;
      }
      if (!response.ok) {
        status.textContent = "Update failed (HTTP " + response.status + "); retrying.";
        return;
      }
      const html = await response.text();
      if (!busy()) {
        live.innerHTML = html;
      }
      status.textContent = "Live: updated every " + every / 1000 + " s.";
    } catch (err) {
      status.textContent = "The hub cannot be reached; retrying.";
    }
  }

  status.textContent = "Live: updated every " + every / 1000 + " s.";
  window.setInterval(refresh, every);
})();
