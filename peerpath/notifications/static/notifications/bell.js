// The notification bell: a live unread count over /ws/notifications/ (no libraries).
// The server sends {"type": "unread", "count": n[, "latest": {...}]}; the database is the
// truth, so after a reconnect the first frame is the current count again.
(function () {
  "use strict";
  var bell = document.querySelector("[data-notifications-bell]");
  if (!bell || !("WebSocket" in window)) return;
  var countEl = bell.querySelector("[data-count]");
  var live = document.getElementById("notification-live");
  var path = bell.getAttribute("data-socket") || "/ws/notifications/";
  var delay = 1000;
  var MAX_DELAY = 30000;
  var GIVE_UP = { 4401: true, 4403: true };

  function show(count) {
    countEl.textContent = String(count);
    bell.setAttribute("data-unread", String(count));
    bell.setAttribute("aria-label", "Notifications, " + count + " unread");
    bell.classList.toggle("has-unread", count > 0);
  }

  function announce(latest) {
    if (!live || !latest || typeof latest.title !== "string") return;
    live.textContent = "New notification: " + latest.title; // text, never HTML
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + path);
    socket.addEventListener("open", function () {
      delay = 1000;
      bell.setAttribute("data-socket-state", "open");
    });
    socket.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && frame.type === "unread" && typeof frame.count === "number") {
        show(frame.count);
        if (frame.latest) announce(frame.latest);
      }
    });
    socket.addEventListener("close", function (event) {
      bell.setAttribute("data-socket-state", "closed");
      if (GIVE_UP[event.code]) return;
      var wait = delay + Math.floor(Math.random() * 500);
      delay = Math.min(delay * 2, MAX_DELAY);
      window.setTimeout(connect, wait);
    });
  }

  connect();
})();
