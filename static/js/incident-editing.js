/* The incident change page: report that it is open (soft edit locks, services/locks.py) and
   fill in "Use my value" on a merged page (admin_merge.py). No inline script: the CSP
   allows scripts from this site only. */
(function () {
  "use strict";

  function token() {
    var input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function body(action) {
    var data = new FormData();
    data.append("action", action);
    data.append("csrfmiddlewaretoken", token());
    return data;
  }

  function show(box, texts) {
    var list = box.querySelector(".edit-locks-list");
    if (!list) return;
    list.textContent = "";
    texts.forEach(function (text) {
      var item = document.createElement("li");
      item.className = "warning";
      item.textContent = text;
      list.appendChild(item);
    });
    list.hidden = texts.length === 0;
  }

  function startHeartbeat() {
    var box = document.getElementById("edit-locks");
    if (!box || !box.dataset.heartbeatUrl) return;
    var url = box.dataset.heartbeatUrl;
    var every = Math.max(Number(box.dataset.heartbeatSeconds) || 60, 5) * 1000;
    var submitting = false;

    function beat() {
      fetch(url, {
        method: "POST",
        body: body("heartbeat"),
        credentials: "same-origin",
        headers: { "X-CSRFToken": token() },
      })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) show(box, data.editing || []); })
        .catch(function () {});
    }

    setInterval(beat, every);
    // Saving releases the lock on the server (if the save succeeds); leaving otherwise
    // releases it here, best effort.
    document.addEventListener("submit", function () { submitting = true; }, true);
    window.addEventListener("pagehide", function () {
      if (!submitting && navigator.sendBeacon) navigator.sendBeacon(url, body("release"));
    });
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { submitting = false; beat(); }
    });
  }

  function useMine() {
    document.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest(".merge-use-mine") : null;
      if (!button) return;
      var box = document.getElementById(button.dataset.field);
      if (box) {
        box.value = button.dataset.value;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
  }

  function ready() { startHeartbeat(); useMine(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", ready);
  else ready();
})();
