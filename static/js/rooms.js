// Group support rooms: the room list's htmx refinements, and the room itself, live over a
// WebSocket (protocol: the docstring of peerpath/rooms/consumers.py). Vanilla JavaScript.
// Text from people is only ever inserted with textContent, never as HTML.
(function () {
  "use strict";

  // --- htmx: a refusal (4xx) from a rooms form carries a message for the person: show it ----
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail || {};
    var xhr = detail.xhr;
    if (!xhr || xhr.status < 400 || xhr.status >= 500) { return; }
    var elt = detail.elt || (detail.requestConfig && detail.requestConfig.elt) || event.target;
    if (elt && elt.closest && elt.closest("[data-rooms]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });

  // --- The room list's "Show more rooms": keyboard focus moves to the first card added ------
  var cardsBefore = -1;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.matches && elt.matches("[data-testid=more-rooms]")) {
      cardsBefore = document.querySelectorAll("[data-testid=room-card]").length;
    }
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (cardsBefore < 0) { return; }
    var added = document.querySelectorAll("[data-testid=room-card]")[cardsBefore];
    cardsBefore = -1;
    var link = added && added.querySelector(".room-name a");
    if (link) { link.focus(); }
  });

  var root = document.getElementById("room");
  if (!root || !("WebSocket" in window)) { return; }

  var form = document.getElementById("room-form");
  var textarea = document.getElementById("room-body");
  var sendButton = form.querySelector("button[type=submit]");
  var log = document.getElementById("room-log");
  var statusEl = document.getElementById("room-status");
  var errorEl = document.getElementById("room-error");
  var whyNotEl = document.getElementById("room-why-not");
  var noticeEl = document.getElementById("room-notice");
  var olderButton = document.getElementById("load-older");
  var peopleList = document.getElementById("room-people");
  var peopleCount = document.getElementById("people-count");
  var menuTemplate = document.getElementById("room-menu-template");
  var crisisPanel = document.getElementById("crisis-panel");
  var crisisMessage = document.getElementById("crisis-message");
  var crisisResources = document.getElementById("crisis-resources");
  var crisisDismiss = document.getElementById("crisis-dismiss");
  var modAlerts = document.getElementById("mod-alerts");
  var csrfInput = root.querySelector("input[name=csrfmiddlewaretoken]");

  var userId = Number(root.dataset.userId);
  var userName = root.dataset.userName || "You";
  var wsUrl = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + root.dataset.wsPath;
  var MAX_CHARS = Number(textarea.getAttribute("maxlength")) || 1000;
  var MAX_RESYNC_PAGES = 5; // beyond this many pages missed, start again from the latest page
  var PING_EVERY = 25000;

  var socket = null;
  var attempts = 0;
  var finished = false; // the server closed the room for this person: no more reconnects
  var reconnectTimer = null;
  var pingTimer = null;
  var lastId = Number(root.dataset.lastId) || 0; // newest message id received (resync after)
  var firstId = Number(root.dataset.firstId) || 0; // oldest message id shown (history before)
  var resyncPages = 0;
  var loadingOlder = false;
  var pending = new Map(); // client_id -> {body, li}
  var people = new Map(); // user id -> {name, count, fromHello}
  var hidden = new Set(); // people blocked from this page
  var muteTimer = null;
  // Why the composer is closed, by cause; it opens when every cause is cleared.
  var blocks = { hello: root.dataset.canPost === "true" ? "" : (whyNotEl.textContent || "").trim(), paused: "", muted: "", closed: "" };

  // --- small DOM helpers ---------------------------------------------------------------------

  function setStatus(text) { statusEl.textContent = text; }

  function showError(text) {
    errorEl.textContent = text || "";
    errorEl.hidden = !text;
  }

  function showNotice(text) {
    noticeEl.textContent = text || "";
    noticeEl.hidden = !text;
  }

  function updateComposer() {
    var reason = blocks.closed || blocks.muted || blocks.paused || blocks.hello;
    textarea.disabled = Boolean(reason);
    sendButton.disabled = Boolean(reason);
    whyNotEl.textContent = reason;
    whyNotEl.hidden = !reason;
  }

  function formatTime(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return ""; }
    return date.toLocaleString([], { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
  }

  function setTime(time, iso) {
    if (iso) {
      time.setAttribute("datetime", iso);
      time.textContent = formatTime(iso);
    } else {
      time.removeAttribute("datetime");
      time.textContent = "sending…";
    }
  }

  function nearBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 80;
  }

  function scrollToEnd() { log.scrollTop = log.scrollHeight; }

  function removeEmptyNote() {
    var empty = root.querySelector(".room-empty");
    if (empty) { empty.remove(); }
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

  // --- messages ----------------------------------------------------------------------------

  function findById(id) {
    return log.querySelector('li.room-message[data-id="' + Number(id) + '"]');
  }

  // Keep the log ordered by id; pending (unacknowledged) items stay at the end.
  function placeById(li, id) {
    var items = log.querySelectorAll("li.room-message[data-id]");
    for (var i = items.length - 1; i >= 0; i--) {
      if (Number(items[i].dataset.id) < id) {
        items[i].after(li);
        return;
      }
    }
    log.prepend(li);
  }

  function buildItem(senderName, body, iso) {
    var li = document.createElement("li");
    li.className = "room-message";
    var sender = document.createElement("span");
    sender.className = "room-sender";
    sender.textContent = senderName;
    var text = document.createElement("span");
    text.className = "room-body";
    text.textContent = body;
    var time = document.createElement("time");
    setTime(time, iso);
    li.append(sender, " ", text, " ", time);
    return li;
  }

  function fromFrame(m) {
    var li = buildItem(m.sender, m.deleted ? "message removed" : m.body, m.created_at);
    li.dataset.id = String(m.id);
    li.dataset.senderId = String(m.sender_id);
    li.dataset.sender = m.sender;
    if (m.sender_id === userId) { li.classList.add("room-mine"); }
    if (m.deleted) { li.classList.add("room-removed"); } else { addMenu(li); }
    return li;
  }

  function markRemoved(li) {
    li.classList.add("room-removed");
    var body = li.querySelector(".room-body");
    if (body) { body.textContent = "message removed"; }
    var menu = li.querySelector(".message-menu");
    if (menu) { menu.remove(); }
    ensureRoving();
  }

  function addMessage(m) {
    if (!m || typeof m.id !== "number" || hidden.has(m.sender_id)) { return; }
    if (m.id > lastId) { lastId = m.id; }
    if (!firstId || m.id < firstId) { firstId = m.id; }
    var existing = findById(m.id);
    if (existing) {
      if (m.deleted) { markRemoved(existing); }
      return;
    }
    if (m.sender_id === userId && m.client_id && pending.has(m.client_id)) {
      confirmSent(m.client_id, m.id, m.created_at); // another tab's resend, or the echo first
      return;
    }
    placeById(fromFrame(m), m.id);
    removeEmptyNote();
  }

  function confirmSent(clientId, id, createdAt) {
    var item = pending.get(clientId);
    if (!item) { return; }
    pending.delete(clientId);
    if (findById(id)) { // the broadcast got here first
      item.li.remove();
      return;
    }
    var li = item.li;
    li.classList.remove("room-pending");
    li.dataset.id = String(id);
    li.dataset.senderId = String(userId);
    li.dataset.sender = userName;
    setTime(li.querySelector("time"), createdAt);
    var state = li.querySelector(".room-state");
    if (state) { state.textContent = "sent"; }
    li.remove();
    placeById(li, id);
    addMenu(li);
  }

  // A message the room refused (slow mode, a mute...) was never sent: it leaves the log and
  // its text goes back into the box (before anything typed since), to edit and send again.
  function fail(clientId) {
    var item = pending.get(clientId);
    if (!item) { return; }
    pending.delete(clientId);
    item.li.remove();
    var typed = textarea.value;
    if (typed.indexOf(item.body) === -1) {
      textarea.value = typed ? item.body + "\n" + typed : item.body;
    }
  }

  // --- the message menu: report, block, and moderation ---------------------------------------
  // Every message has a "⋯" <details>; only one of them is in the tab order at a time (the
  // "roving" one: Up/Down, Home/End move between them), so the message box stays a few Tab
  // presses away however long the log. A menu's body is filled from the template when first
  // opened and shown as a popover over the log (fixed, placed here): the log never reflows.

  var rovingSummary = null;
  var rovingChosen = false; // the person moved to a menu: keep it rather than the newest

  function menuSummaries() {
    return Array.prototype.slice.call(log.querySelectorAll(".message-menu > summary"));
  }

  function setRoving(summary) {
    if (rovingSummary && rovingSummary !== summary && rovingSummary.isConnected) {
      rovingSummary.tabIndex = -1;
    }
    rovingSummary = summary || null;
    if (rovingSummary) { rovingSummary.tabIndex = 0; }
  }

  // The newest message's menu is the one Tab reaches, unless the person moved to another.
  function ensureRoving() {
    if (rovingChosen && rovingSummary && rovingSummary.isConnected) { return; }
    rovingChosen = false;
    var all = menuSummaries();
    setRoving(all.length ? all[all.length - 1] : null);
  }

  function fillMenu(menu, li) {
    var body = menuTemplate.content.firstElementChild.cloneNode(true);
    var id = li.dataset.id;
    var senderId = li.dataset.senderId;
    var mine = Number(senderId) === userId;
    body.querySelectorAll("form.menu-form").forEach(function (f) {
      if (mine && f.dataset.for === "others") {
        (f.closest(".menu-more") || f).remove();
        return;
      }
      var key = f.dataset.targetId === "sender" ? senderId : id;
      f.dataset.action = f.dataset.url.replace("/0/", "/" + key + "/");
      var target = f.querySelector("input[name=target]");
      if (target) { target.value = senderId; }
      // One idempotency key per form shown: a retried or double-clicked report stores once.
      var formKey = f.querySelector("input[name=key]");
      if (formKey) { formKey.value = newClientId(); }
    });
    body.setAttribute("aria-label", "Options for the message from " + (li.dataset.sender || "someone"));
    menu.appendChild(body);
  }

  function hasMenuActions(mine) {
    if (!menuTemplate) { return false; }
    var forms = menuTemplate.content.querySelectorAll("form.menu-form");
    return Array.prototype.some.call(forms, function (f) { return !mine || f.dataset.for !== "others"; });
  }

  function placeMenu(menu) {
    var body = menu.querySelector(".menu-body");
    var summary = menu.querySelector("summary");
    if (!body || !summary) { return; }
    var r = summary.getBoundingClientRect();
    var w = body.offsetWidth;
    var h = body.offsetHeight;
    var margin = 8;
    var left = Math.min(Math.max(margin, r.right - w), window.innerWidth - w - margin);
    var top = r.bottom + 4;
    if (top + h > window.innerHeight - margin) { top = Math.max(margin, r.top - h - 4); }
    body.style.left = Math.max(margin, left) + "px";
    body.style.top = top + "px";
  }

  function openMenus() {
    return Array.prototype.slice.call(log.querySelectorAll(".message-menu[open]"));
  }

  function closeMenu(menu, refocus) {
    menu.open = false;
    if (refocus) {
      var summary = menu.querySelector("summary");
      if (summary) { setRoving(summary); summary.focus(); }
    }
  }

  function addMenu(li) {
    if (!menuTemplate || li.querySelector(".message-menu") || li.classList.contains("room-removed")) { return; }
    var id = li.dataset.id;
    var senderId = li.dataset.senderId;
    if (!id || !senderId) { return; }
    if (!hasMenuActions(Number(senderId) === userId)) { return; }
    var menu = document.createElement("details");
    menu.className = "message-menu";
    var summary = document.createElement("summary");
    summary.tabIndex = -1;
    var dots = document.createElement("span");
    dots.setAttribute("aria-hidden", "true");
    dots.textContent = "⋯";
    var label = document.createElement("span");
    label.className = "visually-hidden";
    label.textContent = "Options for the message from " + (li.dataset.sender || "someone");
    summary.append(dots, label);
    menu.appendChild(summary);
    menu.addEventListener("toggle", function () {
      if (!menu.open) { return; }
      if (!menu.querySelector(".menu-body")) { fillMenu(menu, li); }
      openMenus().forEach(function (other) { if (other !== menu) { other.open = false; } });
      setRoving(summary);
      placeMenu(menu);
    });
    li.appendChild(menu);
    ensureRoving();
  }

  log.addEventListener("keydown", function (event) {
    var summary = event.target.closest ? event.target.closest(".message-menu > summary") : null;
    if (event.key === "Escape") {
      var open = event.target.closest ? event.target.closest(".message-menu[open]") : null;
      if (open) {
        event.preventDefault();
        closeMenu(open, true);
      }
      return;
    }
    if (!summary) { return; }
    var all = menuSummaries();
    var at = all.indexOf(summary);
    var next = null;
    if (event.key === "ArrowDown") { next = all[at + 1]; }
    if (event.key === "ArrowUp") { next = all[at - 1]; }
    if (event.key === "Home") { next = all[0]; }
    if (event.key === "End") { next = all[all.length - 1]; }
    if (!next) { return; }
    event.preventDefault();
    setRoving(next);
    next.focus();
    next.scrollIntoView({ block: "nearest" });
  });

  log.addEventListener("focusin", function (event) {
    var summary = event.target.closest ? event.target.closest(".message-menu > summary") : null;
    if (summary) {
      rovingChosen = true;
      setRoving(summary);
    }
  });

  // A click outside an open menu closes it.
  document.addEventListener("click", function (event) {
    openMenus().forEach(function (menu) {
      if (!menu.contains(event.target)) { closeMenu(menu, false); }
    });
  });

  function replaceOpenMenus() {
    openMenus().forEach(placeMenu);
  }
  log.addEventListener("scroll", replaceOpenMenus);
  window.addEventListener("resize", replaceOpenMenus);
  window.addEventListener("scroll", replaceOpenMenus, { passive: true });

  function hideSender(senderId) {
    hidden.add(senderId);
    log.querySelectorAll('li.room-message[data-sender-id="' + senderId + '"]').forEach(function (li) { li.remove(); });
    ensureRoving();
    people.delete(senderId);
    renderPeople();
  }

  function csrfToken() {
    return csrfInput ? csrfInput.value : "";
  }

  log.addEventListener("submit", function (event) {
    var f = event.target.closest("form.menu-form");
    if (!f) { return; }
    event.preventDefault();
    var li = f.closest("li.room-message");
    var result = li ? li.querySelector(".menu-result") : null;
    var buttons = f.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    var data = new FormData(f);
    fetch(f.dataset.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, error: response.status === 404 ? "That is no longer here." : "Something went wrong. Please try again." };
      });
    }).then(function (answer) {
      var text = answer.ok ? answer.message : (answer.error || "Something went wrong. Please try again.");
      if (result) {
        result.textContent = text;
        result.className = "menu-result " + (answer.ok ? "outcome-ok" : "outcome-error");
      }
      if (!answer.ok) { return; }
      if (answer.crisis) { showCrisis(answer.crisis); }
      f.reset();
      var kind = f.dataset.kind;
      if (kind === "block" && li) {
        showNotice(text);
        hideSender(Number(li.dataset.senderId));
      } else if (kind === "delete" && li) {
        markRemoved(li);
      }
    }).catch(function () {
      if (result) {
        result.textContent = "We couldn't reach peerpath. Check your connection and try again.";
        result.className = "menu-result outcome-error";
      }
    }).finally(function () {
      buttons.forEach(function (b) { b.disabled = false; });
    });
  });

  // --- people present ------------------------------------------------------------------------

  function renderPeople() {
    var entries = Array.from(people.entries()).sort(function (a, b) { return a[1].name.localeCompare(b[1].name); });
    peopleList.replaceChildren();
    entries.forEach(function (entry) {
      var li = document.createElement("li");
      li.dataset.userId = String(entry[0]);
      li.textContent = entry[1].name;
      li.title = entry[1].name; // shown whole on hover when the list cuts it short
      peopleList.appendChild(li);
    });
    peopleCount.textContent = String(entries.length);
  }

  function setPeople(list) {
    people.clear();
    (Array.isArray(list) ? list : []).forEach(function (p) {
      if (!hidden.has(p.id)) { people.set(p.id, { name: String(p.name), count: 1, fromHello: true }); }
    });
    renderPeople();
  }

  function onPresence(frame) {
    (Array.isArray(frame.joined) ? frame.joined : []).forEach(function (p) {
      if (hidden.has(p.id)) { return; }
      var entry = people.get(p.id);
      if (!entry) {
        people.set(p.id, { name: String(p.name), count: 1, fromHello: false });
      } else if (entry.fromHello) {
        entry.fromHello = false; // the same arrival that hello already counted
      } else {
        entry.count += 1;
      }
    });
    (Array.isArray(frame.left) ? frame.left : []).forEach(function (id) {
      var entry = people.get(id);
      if (!entry) { return; }
      entry.count -= 1;
      entry.fromHello = false;
      if (entry.count <= 0) { people.delete(id); }
    });
    renderPeople();
  }

  // --- room state: banners -------------------------------------------------------------------

  function setPaused(paused, reason) {
    var banner = document.getElementById("banner-paused");
    document.getElementById("paused-reason").textContent = paused && reason ? ": " + reason : "";
    banner.hidden = !paused;
    var pauseForm = document.getElementById("pause-form");
    var unpauseForm = document.getElementById("unpause-form");
    if (pauseForm) { pauseForm.hidden = paused; }
    if (unpauseForm) { unpauseForm.hidden = !paused; }
    if (root.dataset.moderator === "true") { return; } // moderators write in a paused room
    blocks.paused = paused ? "A moderator has paused this room" + (reason ? ": " + reason : "") + "." : "";
    if (!paused && /paused/.test(blocks.hello)) { blocks.hello = ""; }
    updateComposer();
  }

  function setSlowMode(seconds) {
    seconds = Number(seconds) || 0;
    document.getElementById("slow-seconds").textContent = String(seconds);
    document.getElementById("banner-slow").hidden = seconds <= 0;
    var select = document.getElementById("slow-mode-seconds");
    if (select && select.querySelector('option[value="' + seconds + '"]')) { select.value = String(seconds); }
  }

  function setLive(live, title) {
    var banner = document.getElementById("banner-live");
    if (live) { document.getElementById("live-title").textContent = title || "a session"; }
    banner.hidden = !live;
  }

  function onRoom(frame) {
    if ("slow_mode" in frame) { setSlowMode(frame.slow_mode); }
    if ("paused" in frame) { setPaused(Boolean(frame.paused), frame.reason || ""); }
    if ("live" in frame) { setLive(Boolean(frame.live), frame.title); }
  }

  // --- notices for this person ---------------------------------------------------------------

  function onMuted(frame) {
    var until = new Date(frame.until);
    var when = isNaN(until.getTime()) ? "" : " until " + until.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    var text = "A moderator muted you" + when + (frame.reason ? ". Reason: " + frame.reason : "") + ".";
    showNotice(text + " You can still read along.");
    blocks.muted = "You are muted" + when + ".";
    updateComposer();
    if (muteTimer !== null) { window.clearTimeout(muteTimer); }
    var wait = isNaN(until.getTime()) ? 0 : until.getTime() - Date.now();
    if (wait > 0 && wait < 2147483647) {
      muteTimer = window.setTimeout(function () {
        blocks.muted = "";
        updateComposer();
        showNotice("Your mute has ended. Welcome back.");
      }, wait);
    }
  }

  function onWarning(frame) {
    showNotice("A moderator sent you a warning" + (frame.reason ? ": " + frame.reason : "") +
      ". Please take a moment with the room rules; warnings add up to a mute.");
  }

  function acknowledge(alertId, button, status) {
    // "I'm on it": stops the safeguarding escalation clock for this alert.
    var data = new FormData();
    data.append("action", "acknowledge");
    button.disabled = true;
    fetch((root.dataset.alertsUrl || "/rooms/alerts/") + alertId + "/handle/", {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false }; });
    }).then(function (answer) {
      status.textContent = answer.ok ? answer.message : (answer.error || "Something went wrong. Please try again.");
      if (answer.ok) { button.remove(); } else { button.disabled = false; }
    }).catch(function () {
      status.textContent = "We couldn't reach peerpath. Check your connection and try again.";
      button.disabled = false;
    });
  }

  function onAlert(frame) {
    if (!modAlerts) { return; }
    var p = document.createElement("p");
    p.className = "mod-alert";
    if (frame.alert) { p.dataset.alert = String(frame.alert); }
    var strong = document.createElement("strong");
    strong.textContent = "Someone may not be safe: " + (frame.user || "someone") + " wrote something worrying.";
    var link = document.createElement("a");
    link.href = (root.dataset.moderationUrl || "/rooms/moderation/") + (frame.alert ? "#alert-" + frame.alert : "");
    link.textContent = "Open the moderation queue";
    var status = document.createElement("span");
    status.className = "mod-alert-status";
    status.setAttribute("role", "status");
    var close = document.createElement("button");
    close.type = "button";
    close.className = "link-button";
    close.textContent = "Dismiss";
    close.addEventListener("click", function () { p.remove(); });
    p.append(strong, " Please check in with them kindly and follow up. ", link, " ");
    if (frame.alert) {
      var ack = document.createElement("button");
      ack.type = "button";
      ack.className = "secondary";
      ack.textContent = "I'm on it";
      ack.addEventListener("click", function () { acknowledge(frame.alert, ack, status); });
      p.append(ack, " ");
    }
    p.append(close, " ", status);
    modAlerts.appendChild(p);
  }

  function showCrisis(crisis) {
    window.peerpath.showHelp(crisisPanel, crisisMessage, crisisResources, crisis);
    crisisPanel.focus();
  }

  crisisDismiss.addEventListener("click", function () {
    crisisPanel.hidden = true;
    textarea.focus();
  });

  // --- the socket --------------------------------------------------------------------------

  function isOpen() {
    return socket !== null && socket.readyState === WebSocket.OPEN;
  }

  function send(frame) {
    if (!isOpen()) { return false; }
    socket.send(JSON.stringify(frame));
    return true;
  }

  function clearLog() {
    log.replaceChildren();
    pending.forEach(function (item) { log.appendChild(item.li); });
    lastId = 0;
    firstId = 0;
  }

  function onHistory(frame) {
    var batch = Array.isArray(frame.messages) ? frame.messages : [];
    if (frame.direction === "before") {
      var before = log.scrollHeight - log.scrollTop;
      batch.forEach(addMessage);
      log.scrollTop = log.scrollHeight - before; // keep what the person was reading in place
      loadingOlder = false;
      olderButton.disabled = false;
      olderButton.hidden = !frame.more;
      if (batch.length) { removeEmptyNote(); }
      return;
    }
    var follow = nearBottom();
    // A catch-up (pushed when the server's relay between processes is back after an
    // outage) starts a fresh count of pages; ids already shown are skipped by addMessage.
    if (frame.catch_up) { resyncPages = 0; }
    batch.forEach(addMessage);
    if (follow) { scrollToEnd(); }
    if (frame.more) {
      resyncPages += 1;
      if (resyncPages >= MAX_RESYNC_PAGES) {
        // Far behind: show the latest page instead of replaying everything missed.
        clearLog();
        olderButton.hidden = false;
        send({ type: "history", before: null });
      } else {
        send({ type: "resync", after: lastId });
      }
    }
  }

  function onFrame(frame) {
    switch (frame.type) {
      case "hello": {
        attempts = 0;
        setStatus("connected");
        showError("");
        var you = frame.you || {};
        if (!you.can_post && frame.paused) {
          blocks.paused = you.why_not || "A moderator has paused this room.";
          blocks.hello = "";
        } else {
          blocks.hello = you.can_post ? "" : (you.why_not || "You cannot post here right now.");
        }
        updateComposer();
        setPeople(frame.present);
        setSlowMode(frame.slow_mode);
        document.getElementById("banner-paused").hidden = !frame.paused;
        resyncPages = 0;
        send({ type: "resync", after: lastId });
        pending.forEach(function (item, clientId) { send({ type: "send", body: item.body, client_id: clientId }); });
        break;
      }
      case "message": {
        var follow = nearBottom();
        addMessage(frame);
        if (follow || frame.sender_id === userId) { scrollToEnd(); }
        break;
      }
      case "ack":
        confirmSent(frame.client_id, frame.id, frame.created_at);
        if (frame.crisis) { showCrisis(frame.crisis); }
        break;
      case "history":
        onHistory(frame);
        break;
      case "deleted": {
        var li = findById(frame.id);
        if (li) { markRemoved(li); }
        break;
      }
      case "presence":
        onPresence(frame);
        break;
      case "room":
        onRoom(frame);
        break;
      case "warning":
        onWarning(frame);
        break;
      case "muted":
        onMuted(frame);
        break;
      case "alert":
        onAlert(frame);
        break;
      case "error":
        if (frame.client_id) { fail(frame.client_id); }
        showError(frame.message || "Something went wrong.");
        if (frame.code === "history" || loadingOlder) {
          loadingOlder = false;
          olderButton.disabled = false;
        }
        break;
      case "closed":
        finish(frame.reason ? "You have left this room: " + frame.reason : "This room has closed for you.");
        break;
      default:
        break; // pong, refresh and anything newer
    }
  }

  function finish(message) {
    finished = true;
    if (reconnectTimer !== null) { window.clearTimeout(reconnectTimer); reconnectTimer = null; }
    showError(message);
    setStatus("closed");
    blocks.closed = message;
    updateComposer();
    olderButton.disabled = true;
    pending.forEach(function (item, clientId) { fail(clientId); });
  }

  function connect() {
    reconnectTimer = null;
    setStatus(attempts ? "reconnecting…" : "connecting…");
    var ws;
    try {
      ws = new WebSocket(wsUrl);
    } catch (e) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ws.addEventListener("message", function (event) {
      var frame;
      try { frame = JSON.parse(event.data); } catch (e) { return; }
      if (frame && typeof frame === "object") { onFrame(frame); }
    });
    ws.addEventListener("close", function (event) {
      if (socket === ws) { socket = null; }
      loadingOlder = false;
      olderButton.disabled = false;
      if (finished) { return; }
      // A "closed" frame precedes the codes a person cannot retry (4403, 4404): finish() ran.
      if (event.code === 4401) {
        finish("Please log in again to join the room.");
        return;
      }
      if (event.code === 4403 || event.code === 4404) {
        finish("You can no longer be in this room. Reload the page to see why.");
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

  // --- the composer ------------------------------------------------------------------------

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (textarea.disabled) { return; }
    var body = textarea.value;
    if (!body.trim()) { return; }
    if (body.length > MAX_CHARS) {
      showError("Your message is too long (" + body.length + " characters; the limit is " + MAX_CHARS + ").");
      return;
    }
    var clientId = newClientId();
    var li = buildItem(userName, body, "");
    li.classList.add("room-mine", "room-pending");
    li.dataset.clientId = clientId;
    var state = document.createElement("span");
    state.className = "room-state";
    state.textContent = "sending…";
    li.querySelector("time").replaceWith(state, document.createElement("time"));
    log.appendChild(li);
    removeEmptyNote();
    scrollToEnd();
    pending.set(clientId, { body: body, li: li });
    textarea.value = "";
    showError("");
    send({ type: "send", body: body, client_id: clientId }); // if the socket is down: on hello
  });

  textarea.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit(sendButton);
      } else {
        sendButton.click();
      }
    }
  });

  olderButton.addEventListener("click", function () {
    if (loadingOlder || !isOpen()) { return; }
    loadingOlder = true;
    olderButton.disabled = true;
    send({ type: "history", before: firstId || null });
  });

  // Room controls posted through htmx: reflect them at once (the socket confirms for all).
  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail || {};
    var elt = detail.elt;
    if (!detail.successful || !elt) { return; }
    if (elt.id === "pause-form") {
      var input = elt.querySelector("[name=reason]");
      setPaused(true, input ? input.value : "");
      elt.reset();
    } else if (elt.id === "unpause-form") {
      setPaused(false, "");
    }
  });

  window.addEventListener("online", function () {
    if (!isOpen() && !finished) {
      if (reconnectTimer !== null) { window.clearTimeout(reconnectTimer); reconnectTimer = null; }
      connect();
    }
  });

  pingTimer = window.setInterval(function () { send({ type: "ping" }); }, PING_EVERY);
  window.addEventListener("pagehide", function () { window.clearInterval(pingTimer); });

  log.querySelectorAll("li.room-message[data-id]").forEach(addMenu);
  form.hidden = false;
  document.getElementById("room-skip").hidden = false;
  updateComposer();
  scrollToEnd();
  connect();
})();
