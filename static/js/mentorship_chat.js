// The mentorship chat, live over a WebSocket (protocol: peerpath/mentorship/consumers.py).
// Progressive enhancement: without JavaScript or WebSocket the form posts normally.
// User text is only ever inserted with textContent, never as HTML.
(function () {
  "use strict";

  var section = document.getElementById("chat");
  var form = document.getElementById("chat-form");
  if (!section || !form || section.dataset.enabled !== "true" || !("WebSocket" in window)) {
    return;
  }
  var log = document.getElementById("chat-log");
  var statusEl = document.getElementById("chat-status");
  var errorEl = document.getElementById("chat-error");
  var unreadEl = document.getElementById("chat-unread");
  var crisisPanel = document.getElementById("chat-crisis");
  var crisisMessage = document.getElementById("chat-crisis-message");
  var crisisResources = document.getElementById("chat-crisis-resources");
  var crisisDismiss = document.getElementById("chat-crisis-dismiss");
  var textarea = form.elements.namedItem("body");
  var clientIdInput = form.elements.namedItem("client_id");
  var submitButton = form.querySelector("button[type=submit]");

  var userId = Number(section.dataset.userId);
  var wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + section.dataset.wsUrl;
  var HISTORY_PAGE = 200;
  var FALLBACK_AFTER_FAILURES = 3; // failed reconnects before the form posts normally

  var socket = null;
  var attempts = 0;
  var finished = false; // the server closed the chat for good (ended, not allowed)
  var reconnectTimer = null;
  var syncing = false;
  var syncedUpTo = Number(section.dataset.lastId) || 0; // every message up to here is shown
  var maxSeenId = syncedUpTo;
  var lastRead = 0; // my read marker (from hello / read frames)
  var readSent = 0;
  var unread = 0;
  var logVisible = true;
  var pending = new Map(); // client_id -> {body, li}

  // --- DOM ---------------------------------------------------------------------------------

  function setStatus(text) {
    if (statusEl) { statusEl.textContent = text; }
  }

  function showError(text) {
    errorEl.textContent = text;
    errorEl.hidden = !text;
  }

  function setUnread(n) {
    unread = Math.max(0, n);
    if (!unreadEl) { return; }
    var count = unreadEl.querySelector(".chat-unread-count");
    if (count) { count.textContent = String(unread); }
    unreadEl.hidden = unread === 0;
  }

  // The page's format, "j M, H:i" in the viewer's profile time zone (data-time-zone: the
  // zone the server renders reloaded messages in), never the browser's clock or locale: a
  // live message reads exactly as it will after a reload ("5 Mar, 09:07").
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  var timeParts = (function () {
    var options = { timeZone: section.dataset.timeZone || "UTC", year: "numeric", month: "numeric",
      day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    try {
      return new Intl.DateTimeFormat("en-GB", options);
    } catch (e) { // an unknown zone name: UTC rather than the browser's zone
      options.timeZone = "UTC";
      return new Intl.DateTimeFormat("en-GB", options);
    }
  })();

  function formatTime(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return ""; }
    var p = {};
    timeParts.formatToParts(date).forEach(function (part) { p[part.type] = part.value; });
    var hour = p.hour === "24" ? "00" : p.hour;
    return Number(p.day) + " " + MONTHS[Number(p.month) - 1] + ", " + hour + ":" + p.minute;
  }

  function buildItem(senderName, body, iso, mine) {
    var li = document.createElement("li");
    li.className = "chat-message" + (mine ? " chat-mine" : "");
    var sender = document.createElement("span");
    sender.className = "chat-sender";
    sender.textContent = senderName;
    var text = document.createElement("span");
    text.className = "chat-body";
    text.textContent = body;
    var time = document.createElement("time");
    setTime(time, iso);
    li.appendChild(sender);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(text);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(time);
    return li;
  }

  function setTime(time, iso) {
    if (iso) {
      time.setAttribute("datetime", iso);
      time.textContent = formatTime(iso);
    } else {
      time.textContent = "sending…";
    }
  }

  function findById(id) {
    return log.querySelector('li.chat-message[data-id="' + id + '"]');
  }

  // Keep the log ordered by id; pending (unacknowledged) items stay at the end.
  function placeById(li, id) {
    var items = log.querySelectorAll("li.chat-message[data-id]");
    for (var i = items.length - 1; i >= 0; i--) {
      if (Number(items[i].dataset.id) < id) {
        items[i].after(li);
        return;
      }
    }
    log.prepend(li);
  }

  function scrollToEnd() {
    log.scrollTop = log.scrollHeight;
  }

  function removeEmptyNote() {
    var empty = section.querySelector(".chat-empty");
    if (empty) { empty.remove(); }
  }

  // --- help for the writer ------------------------------------------------------------------

  // The ack of a message that raised a safeguarding alert carries help lines for the writer:
  // shown at once, next to the chat (the message itself was delivered as usual).
  function showCrisis(crisis) {
    if (!crisisPanel) { return; }
    window.peerpath.showHelp(crisisPanel, crisisMessage, crisisResources, crisis);
    // Announced (role=alert) without taking the focus from the message box.
    if (typeof crisisPanel.scrollIntoView === "function") { crisisPanel.scrollIntoView({ block: "nearest" }); }
  }

  if (crisisDismiss) {
    crisisDismiss.addEventListener("click", function () {
      crisisPanel.hidden = true;
      textarea.focus();
    });
  }

  // --- messages ----------------------------------------------------------------------------

  function addMessage(m, live) {
    if (typeof m.id !== "number") { return; }
    maxSeenId = Math.max(maxSeenId, m.id);
    if (live && !syncing) { syncedUpTo = Math.max(syncedUpTo, m.id); }
    if (findById(m.id)) { return; } // already shown (history, ack or an earlier broadcast)
    var mine = m.sender_id === userId;
    var waiting = mine && m.client_id ? pending.get(m.client_id) : null;
    if (waiting) { // our own message broadcast before we saw its ack (another tab's resend)
      confirmSent(m.client_id, m.id, m.created_at);
      return;
    }
    var li = buildItem(m.sender, m.body, m.created_at, mine);
    li.dataset.id = String(m.id);
    li.dataset.senderId = String(m.sender_id);
    placeById(li, m.id);
    removeEmptyNote();
    // hello's count already covers what a resync brings; only live arrivals add to it
    if (live && !mine && m.id > lastRead) { setUnread(unread + 1); }
    scrollToEnd();
  }

  function confirmSent(clientId, id, createdAt) {
    var item = pending.get(clientId);
    if (!item) { return; }
    pending.delete(clientId);
    maxSeenId = Math.max(maxSeenId, id);
    if (findById(id)) { // the broadcast got here first
      item.li.remove();
      return;
    }
    item.li.classList.remove("chat-pending");
    item.li.dataset.id = String(id);
    item.li.dataset.senderId = String(userId);
    setTime(item.li.querySelector("time"), createdAt);
    item.li.remove();
    placeById(item.li, id);
    scrollToEnd();
  }

  function fail(clientId, message) {
    var item = pending.get(clientId);
    if (!item) { return; }
    pending.delete(clientId);
    item.li.classList.remove("chat-pending");
    item.li.classList.add("chat-failed");
    item.li.querySelector("time").textContent = "not sent";
    if (!textarea.value) { textarea.value = item.body; } // let them edit and try again
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    // randomUUID needs a secure context; getRandomValues does not.
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  // --- socket ------------------------------------------------------------------------------

  function isOpen() {
    return socket !== null && socket.readyState === WebSocket.OPEN;
  }

  function send(frame) {
    if (!isOpen()) { return false; }
    socket.send(JSON.stringify(frame));
    return true;
  }

  function sendPending(clientId, item) {
    send({ type: "send", body: item.body, client_id: clientId });
  }

  function resync() {
    syncing = true;
    send({ type: "resync", after: syncedUpTo });
  }

  function maybeMarkRead() {
    if (!isOpen() || document.visibilityState !== "visible" || !logVisible) { return; }
    if (maxSeenId > readSent && maxSeenId > lastRead) {
      readSent = maxSeenId;
      send({ type: "read", up_to: maxSeenId });
    }
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "hello":
        lastRead = Number(frame.last_read) || 0;
        setUnread(Number(frame.unread) || 0);
        break;
      case "ack":
        confirmSent(frame.client_id, frame.id, frame.created_at);
        if (frame.crisis && typeof frame.crisis === "object") { showCrisis(frame.crisis); }
        break;
      case "message":
        addMessage(frame, true);
        break;
      case "history": {
        var batch = Array.isArray(frame.messages) ? frame.messages : [];
        // A catch-up (the server's relay between processes is back after an outage) brings
        // messages nobody counted yet: they are live arrivals. Ids already shown are skipped.
        var live = frame.catch_up === true;
        batch.forEach(function (m) { addMessage(m, live); });
        if (live) {
          if (batch.length >= HISTORY_PAGE) { send({ type: "resync", after: batch[batch.length - 1].id }); }
          break;
        }
        if (batch.length) { syncedUpTo = Math.max(syncedUpTo, batch[batch.length - 1].id); }
        if (batch.length >= HISTORY_PAGE) {
          send({ type: "resync", after: syncedUpTo }); // more where that came from
        } else {
          syncing = false;
          syncedUpTo = Math.max(syncedUpTo, maxSeenId);
        }
        break;
      }
      case "read":
        if (frame.user_id === userId) { // this tab or another of mine read up to here
          lastRead = Math.max(lastRead, Number(frame.up_to) || 0);
          var left = 0;
          log.querySelectorAll("li.chat-message[data-id]").forEach(function (li) {
            if (Number(li.dataset.senderId) !== userId && Number(li.dataset.id) > lastRead) { left++; }
          });
          setUnread(left);
        }
        break;
      case "closed":
        finish(frame.reason ? "This chat has closed: " + frame.reason + "." : "This chat has closed.");
        break;
      case "error":
        if (frame.client_id) { fail(frame.client_id, frame.message); }
        showError(frame.message || "Something went wrong.");
        break;
      default:
        break;
    }
    maybeMarkRead();
  }

  function finish(message) {
    finished = true;
    showError(message);
    setStatus("closed");
    textarea.disabled = true;
    if (submitButton) { submitButton.disabled = true; }
    pending.forEach(function (item, clientId) { fail(clientId, message); });
  }

  function connect() {
    reconnectTimer = null;
    setStatus("reconnecting…");
    var ws;
    try {
      ws = new WebSocket(wsUrl);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener("open", function () {
      attempts = 0;
      setStatus("connected");
      showError("");
      resync();
      pending.forEach(function (item, clientId) { sendPending(clientId, item); });
    });
    ws.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame === "object") { onFrame(frame); }
    });
    ws.addEventListener("close", function (event) {
      if (socket === ws) { socket = null; }
      if (finished) { return; }
      // Codes sent after accept are final (4410 ended, 4403 no longer allowed, 4404 gone);
      // a refusal before accept reaches browsers as 1006, and that we retry with backoff.
      if (event.code === 4410 || event.code === 4403 || event.code === 4404 || event.code === 4401) {
        finish("This chat is closed. Reload the page to see the latest.");
        return;
      }
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    setStatus("reconnecting…");
    if (reconnectTimer !== null || finished) { return; }
    attempts += 1;
    var delay = Math.min(30000, 500 * Math.pow(2, attempts - 1)) * (0.75 + Math.random() * 0.5);
    reconnectTimer = window.setTimeout(connect, delay);
  }

  // --- the form ----------------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    if (!isOpen() && attempts >= FALLBACK_AFTER_FAILURES) {
      // The live chat keeps failing (blocked by a proxy, signed out...): post the form and
      // let the server answer; the id makes a double submit count once.
      clientIdInput.value = newClientId();
      return;
    }
    event.preventDefault();
    var body = textarea.value;
    if (!body.trim()) { return; }
    var clientId = newClientId();
    var li = buildItem(section.dataset.userName || "You", body, "", true);
    li.classList.add("chat-pending");
    li.dataset.clientId = clientId;
    log.appendChild(li);
    removeEmptyNote();
    scrollToEnd();
    var item = { body: body, li: li };
    pending.set(clientId, item);
    textarea.value = "";
    showError("");
    sendPending(clientId, item); // if the socket is down, it goes on reconnect
  });

  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(submitButton || undefined);
      } else if (submitButton) {
        submitButton.click();
      }
    }
  });

  document.addEventListener("visibilitychange", maybeMarkRead);
  window.addEventListener("focus", maybeMarkRead);
  if ("IntersectionObserver" in window) {
    new IntersectionObserver(function (entries) {
      logVisible = entries.some(function (entry) { return entry.isIntersecting; });
      maybeMarkRead();
    }).observe(log);
  }
  window.addEventListener("online", function () {
    if (!isOpen() && !finished) {
      if (reconnectTimer !== null) { window.clearTimeout(reconnectTimer); reconnectTimer = null; }
      connect();
    }
  });

  scrollToEnd();
  connect();
})();
