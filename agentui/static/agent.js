// handover agent pages: live refresh, the join button, and the Chatwoot dashboard-app handshake.
// Everything works without this script too (reload the page); it only keeps the pages current.
"use strict";
(function () {
  var body = document.body;
  var every = Math.max(1000, Number(body.getAttribute("data-every")) || 5000);

  // Times are rendered in UTC by the server; show them in the agent's time zone.
  function localTimes(root) {
    root.querySelectorAll("time[datetime]").forEach(function (t) {
      var d = new Date(t.getAttribute("datetime"));
      if (!isNaN(d.getTime())) t.textContent = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    });
  }
  localTimes(document);

  function say(text) {
    var s = document.getElementById("live-status");
    if (s && s.textContent !== text) s.textContent = text;
  }

  // The join form: show it only while the chat can be joined; one press at a time.
  function syncJoin(root) {
    var box = document.getElementById("join-box");
    var live = root.querySelector("[data-joinable]");
    if (box && live) box.hidden = live.getAttribute("data-joinable") !== "true";
  }
  var join = document.getElementById("join");
  if (join) {
    join.addEventListener("submit", function () {
      var b = document.getElementById("join-button");
      if (b) { b.disabled = true; b.textContent = "Joining…"; }
    });
  }

  // Live regions: <div data-live="fragment URL"> is refreshed from the server.
  document.querySelectorAll("[data-live]").forEach(function (box) {
    var url = box.getAttribute("data-live");
    var last = box.innerHTML;
    var summary = (box.querySelector("[data-summary]") || box).getAttribute("data-summary") || "";
    var busy = false, stopped = false;
    function tick() {
      if (busy || stopped || document.hidden) return;
      busy = true;
      fetch(url, { credentials: "same-origin", cache: "no-store", headers: { "Accept": "text/html" } })
        .then(function (r) {
          return r.text().then(function (html) {
            if (r.status === 401 || r.status === 403) {
              stopped = true;
              box.insertAdjacentHTML("afterbegin", html);
              say("Access ended: reload the page.");
              return;
            }
            if (!r.ok && r.status !== 502) return;
            if (html === last) return;
            var focused = document.activeElement && box.contains(document.activeElement) ? document.activeElement.id : "";
            box.innerHTML = html;
            last = html;
            localTimes(box);
            syncJoin(box);
            if (focused) {
              var el = document.getElementById(focused);
              if (el) el.focus();
            }
            var s = box.querySelector("[data-summary]");
            var now = s ? s.getAttribute("data-summary") : "";
            if (now && now !== summary) { summary = now; say(now); }
          });
        })
        .catch(function () { say("Connection to handover lost; retrying."); })
        .then(function () { busy = false; });
    }
    setInterval(tick, every);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) tick(); });
  });

  // Chatwoot dashboard app: Chatwoot posts {event:"appContext", data:{conversation, contact, currentAgent}}
  // as a JSON string to the iframe on load and when asked with "chatwoot-dashboard-app:fetch-info".
  if (body.getAttribute("data-embed") === "chatwoot") {
    var framed = window.parent && window.parent !== window;
    var alone = document.getElementById("embed-alone");
    if (!framed) {
      if (alone) alone.hidden = false;
      var wait = document.getElementById("embed-wait");
      if (wait) wait.hidden = true;
      return;
    }
    var origins = (body.getAttribute("data-origins") || "").split(" ").filter(Boolean);
    window.addEventListener("message", function (e) {
      if (e.source !== window.parent) return;
      if (e.origin !== location.origin && origins.indexOf(e.origin) < 0) return;
      var msg = e.data;
      if (typeof msg === "string") {
        try { msg = JSON.parse(msg); } catch (_) { return; }
      }
      if (!msg || msg.event !== "appContext" || !msg.data || !msg.data.conversation) return;
      var id = String(msg.data.conversation.id == null ? "" : msg.data.conversation.id);
      if (!/^[A-Za-z0-9_.:-]{1,100}$/.test(id) || id === body.getAttribute("data-current")) return;
      var q = body.getAttribute("data-query") || "";
      var agent = msg.data.currentAgent && msg.data.currentAgent.id != null ? String(msg.data.currentAgent.id) : "";
      if (/^[A-Za-z0-9_.:-]{1,100}$/.test(agent)) q += (q ? "&" : "") + "agent=" + encodeURIComponent(agent);
      location.replace(body.getAttribute("data-target") + encodeURIComponent(id) + (q ? "?" + q : ""));
    });
    var ask = function () { window.parent.postMessage("chatwoot-dashboard-app:fetch-info", "*"); };
    ask();
    // Until the context arrives ask every second; afterwards at the refresh pace (the agent may switch chats).
    var asked = 0;
    var t = setInterval(function () {
      ask();
      if (++asked >= 10) { clearInterval(t); setInterval(ask, every); }
    }, 1000);
  }
})();
