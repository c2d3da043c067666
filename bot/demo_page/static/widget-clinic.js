// The clinic's additions to rasa-webchat 1.0.1, applied from outside the
// bundle like widget-a11y.js (the accessibility half of the same layer):
// - retention: a conversation the browser stored more than keepHours ago
//   (WIDGET_KEEP_HOURS) is cleared before the widget reads it;
// - "End chat" in the widget's header: after a confirm step inside the
//   widget, the conversation is deleted on the server (POST endChatUrl with
//   the widget's session id) and in the browser, and the next chat is new;
// - failures the visitor can see: "can't connect" with the clinic's phone as
//   a tel: link when the Rasa server can't be reached, "you're offline" when
//   the browser is, and a message sent while offline is kept, marked
//   "Not sent", and can be sent once the connection is back;
// - the clinic's colours as CSS custom properties (clinic.css uses them);
// - a raw booking link (the assistant's /go/book?c=... short link, or https://...?utm_source=...) in a reply
//   shows as a "Book online" link, built as an element, never from HTML.
// Settings come from the page's settings JSON (bot/demo_page/web_server.py) or, on the
// clinic's own site, from this script tag's data-* attributes. Load it after
// the widget's bundle and before WebChat.default(...) is called.
(function () {
  "use strict";

  var SESSION_KEY = "chat_session"; // rasa-webchat's conversation and session id
  // rasa-webchat's other keys: a delayed message, and the pages visited.
  var OTHER_KEYS = ["mrbot_next_message", "rasaWebchatPro"];
  var ENDED_KEY = "clinic_chat_ended"; // survives the reload after End chat
  var FAIL_AFTER_MS = 10000; // no connection by then counts as a failure

  var script = document.currentScript;
  var settings = {};
  try {
    var element = document.getElementById("webchat-settings");
    settings = element ? JSON.parse(element.textContent) : {};
  } catch (error) {
    settings = {};
  }

  function option(attribute, key, fallback) {
    var value = script ? script.getAttribute("data-" + attribute) : null;
    if (value !== null && value !== "") return value;
    return settings[key] !== undefined && settings[key] !== null ? settings[key] : fallback;
  }

  var clinic = String(option("clinic", "title", "the clinic"));
  var phone = String(option("phone", "phone", ""));
  var keepHours = parseFloat(option("keep-hours", "keepHours", 24));
  var endChatUrl = String(option("end-chat-url", "endChatUrl", ""));
  var colour = String(option("color", "color", ""));
  var textColour = String(option("text-color", "textColor", ""));

  // --- Storage -------------------------------------------------------------

  function storages() {
    var found = [];
    try { if (window.localStorage) found.push(window.localStorage); } catch (error) { /* blocked */ }
    try { if (window.sessionStorage) found.push(window.sessionStorage); } catch (error) { /* blocked */ }
    return found;
  }

  function storedSession() {
    var list = storages();
    for (var i = 0; i < list.length; i++) {
      var raw = list[i].getItem(SESSION_KEY);
      if (!raw) continue;
      try {
        return JSON.parse(raw) || {};
      } catch (error) {
        return {};
      }
    }
    return null;
  }

  function clearStoredChat() {
    storages().forEach(function (storage) {
      storage.removeItem(SESSION_KEY);
      OTHER_KEYS.forEach(function (key) { storage.removeItem(key); });
    });
  }

  // Before the widget reads the storage (it renders on the window's load).
  var stored = storedSession();
  if (stored) {
    var age = Date.now() - Number(stored.lastUpdate);
    if (!(age >= 0 && age <= keepHours * 3600 * 1000)) clearStoredChat();
  }
  var justEnded = false;
  try {
    justEnded = window.sessionStorage.getItem(ENDED_KEY) === "1";
    window.sessionStorage.removeItem(ENDED_KEY);
  } catch (error) { /* no session storage: nothing to finish */ }
  if (justEnded) clearStoredChat(); // whatever the closing page wrote last

  // --- Colours -------------------------------------------------------------

  if (colour) document.documentElement.style.setProperty("--clinic-color", colour);
  if (textColour) document.documentElement.style.setProperty("--clinic-text-color", textColour);

  // --- Connection ----------------------------------------------------------

  var connection = "connecting"; // then "connected" or "failed"
  var failTimer = null;

  function expectConnection() {
    clearTimeout(failTimer);
    failTimer = setTimeout(function () {
      if (connection !== "connected") { connection = "failed"; update(); }
    }, FAIL_AFTER_MS);
  }

  var socketEvents = {
    connect: function () { connection = "connected"; clearTimeout(failTimer); update(); },
    connect_error: function () { if (connection !== "connected") { connection = "failed"; update(); } },
    connect_timeout: function () { connection = "failed"; update(); },
    disconnect: function () { connection = "connecting"; expectConnection(); update(); }
  };

  // Listens to the widget's socket: WebChat.default's onSocketEvent, merged
  // with any the page passes.
  if (window.WebChat && typeof window.WebChat.default === "function") {
    var startWidget = window.WebChat.default;
    window.WebChat.default = function (props, target) {
      var theirs = (props && props.onSocketEvent) || {};
      var merged = {};
      Object.keys(theirs).forEach(function (name) { merged[name] = theirs[name]; });
      Object.keys(socketEvents).forEach(function (name) {
        merged[name] = function () {
          socketEvents[name].apply(this, arguments);
          if (typeof theirs[name] === "function") return theirs[name].apply(this, arguments);
        };
      });
      var changed = {};
      Object.keys(props || {}).forEach(function (name) { changed[name] = props[name]; });
      changed.onSocketEvent = merged;
      return startWidget.call(this, changed, target);
    };
  }
  expectConnection();

  function connected(container) {
    // rasa-webchat shows its "Waiting for server..." while not connected.
    return connection === "connected" ||
      (connection !== "failed" && !!container.querySelector(".rw-conversation-container") &&
       !container.querySelector(".rw-loading"));
  }

  // --- Building elements (text only, never HTML) ---------------------------

  function make(tag, className, text) {
    var el = document.createElement(tag);
    if (className) el.className = className;
    if (text) el.textContent = text;
    return el;
  }

  function phoneLink() {
    var link = make("a", "clinic-phone-link", phone);
    link.href = "tel:" + phone.replace(/[^\d+]/g, "");
    return link;
  }

  function widget() {
    return document.querySelector(".rw-widget-container");
  }

  // --- Status: can't connect, offline ----------------------------------------

  function statusFor(container) {
    if (!navigator.onLine) {
      return ["offline", "You're offline. Messages can't be sent until your connection is back."];
    }
    if (connection === "failed" && !connected(container)) {
      return ["failed", "Sorry, the chat can't connect to " + clinic + " right now. Please try again later" +
        (phone ? ", or call us at " : ".")];
    }
    return null;
  }

  function showStatus(conversation, container) {
    var status = conversation.querySelector(".clinic-chat-status");
    if (!status) {
      status = make("div", "clinic-chat-status");
      status.setAttribute("role", "status");
      var anchor = conversation.querySelector(".rw-header-and-loading");
      conversation.insertBefore(status, anchor ? anchor.nextSibling : conversation.firstChild);
    }
    var wanted = statusFor(container);
    var kind = wanted ? wanted[0] : "";
    if (status.getAttribute("data-kind") === kind) return;
    status.setAttribute("data-kind", kind);
    status.textContent = "";
    status.hidden = !wanted;
    if (!wanted) return;
    status.appendChild(document.createTextNode(wanted[1]));
    if (kind === "failed" && phone) {
      status.appendChild(phoneLink());
      status.appendChild(document.createTextNode("."));
    }
  }

  // --- Messages sent while offline -----------------------------------------

  var unsent = []; // texts held back, oldest first

  function setBoxText(box, text) {
    // The message box is React's: set its value as typing would.
    var setter = Object.getOwnPropertyDescriptor(window.HTMLTextAreaElement.prototype, "value").set;
    setter.call(box, text);
    box.dispatchEvent(new Event("input", { bubbles: true }));
  }

  function holdBack(event, box) {
    event.preventDefault();
    event.stopPropagation();
    var text = box && box.value.trim();
    if (!text) return;
    unsent.push(text);
    setBoxText(box, "");
    update();
  }

  function sendAgain(index) {
    var container = widget();
    var box = container && container.querySelector(".rw-new-message");
    var send = container && container.querySelector(".rw-send");
    if (!box || !send || !navigator.onLine || !connected(container)) return;
    var text = unsent.splice(index, 1)[0];
    setBoxText(box, text);
    send.click();
    update();
    box.focus();
  }

  function showUnsent(conversation, container) {
    var list = conversation.querySelector(".clinic-unsent");
    if (!unsent.length) {
      if (list) list.parentNode.removeChild(list);
      return;
    }
    if (!list) {
      list = make("div", "clinic-unsent");
      list.setAttribute("role", "list");
      list.setAttribute("aria-label", "Messages not sent");
      var sender = conversation.querySelector(".rw-sender");
      conversation.insertBefore(list, sender);
    }
    var canSend = navigator.onLine && connected(container);
    var key = unsent.join("\u0000") + (canSend ? "|send" : "|wait");
    if (list.getAttribute("data-key") === key) return;
    list.setAttribute("data-key", key);
    list.textContent = "";
    unsent.forEach(function (text, index) {
      var item = make("div", "clinic-unsent-message");
      item.setAttribute("role", "listitem");
      item.appendChild(make("span", "clinic-unsent-text", text));
      item.appendChild(make("span", "clinic-unsent-label",
        canSend ? "Not sent." : "Not sent: you're offline."));
      if (canSend) {
        var again = make("button", "clinic-send-again", "Send now");
        again.type = "button";
        again.addEventListener("click", function () { sendAgain(index); });
        item.appendChild(again);
      }
      list.appendChild(item);
    });
  }

  function messageBox(target) {
    return target && target.nodeType === 1 && target.matches(".rw-widget-container .rw-new-message") ? target : null;
  }

  // Capturing, on the window: before React (which listens on the document)
  // sends anything.
  window.addEventListener("keydown", function (event) {
    var box = messageBox(event.target);
    if (box && !navigator.onLine && event.key === "Enter" && !event.shiftKey) holdBack(event, box);
  }, true);
  window.addEventListener("click", function (event) {
    var send = !navigator.onLine && event.target.closest && event.target.closest(".rw-widget-container .rw-send");
    if (send) holdBack(event, widget().querySelector(".rw-new-message"));
  }, true);
  window.addEventListener("submit", function (event) {
    if (!navigator.onLine && event.target.matches && event.target.matches(".rw-widget-container .rw-sender")) {
      holdBack(event, event.target.querySelector(".rw-new-message"));
    }
  }, true);
  window.addEventListener("offline", function () { update(); });
  window.addEventListener("online", function () { expectConnection(); update(); });

  // While offline the widget may disable its message box (its socket
  // dropped): keep it usable, so what the visitor types is kept, not lost.
  function keepBoxUsable(conversation) {
    if (navigator.onLine) return;
    Array.prototype.forEach.call(conversation.querySelectorAll(".rw-new-message[disabled], .rw-send[disabled]"),
      function (el) { el.removeAttribute("disabled"); });
  }

  // --- End chat ------------------------------------------------------------

  function endChatButton(conversation) {
    var header = conversation.querySelector(".rw-header");
    if (!header || header.querySelector(".clinic-end-chat")) return;
    var button = make("button", "clinic-end-chat", "End chat");
    button.type = "button";
    button.setAttribute("aria-haspopup", "dialog");
    button.addEventListener("click", function () { confirmEnd(); });
    // Beside the close button (phones), at the header's right.
    var buttons = header.querySelector(".rw-header-buttons");
    if (buttons) buttons.insertBefore(button, buttons.firstChild);
    else header.appendChild(button);
  }

  function closeConfirm(focusBack) {
    var dialog = document.querySelector(".clinic-end-confirm");
    if (dialog) dialog.parentNode.removeChild(dialog);
    var button = document.querySelector(".rw-widget-container .clinic-end-chat");
    if (focusBack && button) button.focus();
  }

  function confirmEnd() {
    var container = widget();
    var conversation = container && container.querySelector(".rw-conversation-container");
    if (!conversation || conversation.querySelector(".clinic-end-confirm")) return;
    var dialog = make("div", "clinic-end-confirm");
    dialog.setAttribute("role", "dialog");
    dialog.setAttribute("aria-labelledby", "clinic-end-confirm-title");
    dialog.setAttribute("aria-describedby", "clinic-end-confirm-text");
    var title = make("p", "clinic-end-confirm-title", "End this chat?");
    title.id = "clinic-end-confirm-title";
    var text = make("p", "clinic-end-confirm-text",
      "The conversation will be deleted from this browser" +
      (endChatUrl ? " and from the clinic's chat records" : "") +
      ". Any call back you asked for still reaches the clinic.");
    text.id = "clinic-end-confirm-text";
    var end = make("button", "clinic-end-yes", "End and delete chat");
    end.type = "button";
    var keep = make("button", "clinic-end-no", "Keep chatting");
    keep.type = "button";
    var error = make("p", "clinic-end-error");
    error.setAttribute("role", "alert");
    dialog.appendChild(title);
    dialog.appendChild(text);
    dialog.appendChild(end);
    dialog.appendChild(keep);
    dialog.appendChild(error);
    keep.addEventListener("click", function () { closeConfirm(true); });
    end.addEventListener("click", function () { endChat(end, keep, error); });
    dialog.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        event.preventDefault();
        event.stopPropagation(); // not widget-a11y.js's "close the chat"
        closeConfirm(true);
      }
    });
    var anchor = conversation.querySelector(".rw-header-and-loading");
    conversation.insertBefore(dialog, anchor ? anchor.nextSibling : conversation.firstChild);
    keep.focus();
  }

  function finishEnding() {
    clearStoredChat();
    try { window.sessionStorage.setItem(ENDED_KEY, "1"); } catch (error) { /* none */ }
    // The widget keeps the old conversation in memory and on its socket; a
    // reload starts it again from the cleared storage.
    window.location.reload();
  }

  function endChat(end, keep, error) {
    var session = storedSession();
    var id = session && session.session_id;
    if (!id || !endChatUrl) {
      finishEnding();
      return;
    }
    end.disabled = true;
    keep.disabled = true;
    error.textContent = "";
    end.textContent = "Deleting...";
    fetch(endChatUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify({ session_id: id })
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      finishEnding();
    }).catch(function () {
      end.disabled = false;
      keep.disabled = false;
      end.textContent = "End and delete chat";
      error.textContent = "Sorry, the chat could not be deleted just now. Please try again" +
        (phone ? " or call " + phone : "") + ".";
      end.focus();
    });
  }

  // After End chat's reload: say so, and give focus back to the launcher.
  function announceEnded(container) {
    if (!justEnded) return;
    var launcher = container.querySelector(".rw-launcher");
    if (!launcher) return;
    justEnded = false;
    var note = make("p", "clinic-ended-note", "Chat ended. The conversation was deleted.");
    note.setAttribute("role", "status");
    document.body.appendChild(note);
    launcher.focus();
    setTimeout(function () { if (note.parentNode) note.parentNode.removeChild(note); }, 8000);
  }

  // --- Booking links -------------------------------------------------------

  // The assistant's counted short link (<Rasa server>/go/book?c=<id>,
  // clinic_common/booking_links.py), or the booking page with its tracking parameters.
  var TRACKED_URL = /https?:\/\/[^\s<>"'`]+\/go\/book\?c=[\w-]+|https:\/\/[^\s<>"'`]+[?&]utm_source=[^\s<>"'`]*/g;

  function bookingLink(url) {
    var link = make("a", "clinic-booking-link", "Book online");
    link.href = url;
    link.target = "_blank";
    link.rel = "noopener noreferrer";
    return link;
  }

  function insideLink(node, root) {
    for (var el = node.parentNode; el && el !== root; el = el.parentNode) {
      if (el.nodeName === "A") return true;
    }
    return false;
  }

  function linkBookingUrls(root) {
    // A URL the widget already made a link of, shown as its own text.
    Array.prototype.forEach.call(root.querySelectorAll("a[href]"), function (link) {
      var href = link.getAttribute("href");
      TRACKED_URL.lastIndex = 0;
      var match = TRACKED_URL.exec(href || "");
      if (match && match[0] === href && link.textContent.trim() === href) {
        link.textContent = "Book online";
        link.classList.add("clinic-booking-link");
      }
    });
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var found = [];
    while (walker.nextNode()) {
      if (!insideLink(walker.currentNode, root)) found.push(walker.currentNode);
    }
    found.forEach(function (node) {
      var text = node.nodeValue;
      var parts = null;
      var last = 0;
      var match;
      TRACKED_URL.lastIndex = 0;
      while ((match = TRACKED_URL.exec(text)) !== null) {
        var url = match[0].replace(/[.,;:!?)\]]+$/, "");
        parts = parts || document.createDocumentFragment();
        parts.appendChild(document.createTextNode(text.slice(last, match.index)));
        parts.appendChild(bookingLink(url));
        last = match.index + url.length;
      }
      if (!parts) return;
      parts.appendChild(document.createTextNode(text.slice(last)));
      node.parentNode.replaceChild(parts, node);
    });
  }

  // --- Each time the widget changes ----------------------------------------

  function update() {
    var container = widget();
    if (!container) return;
    announceEnded(container);
    var conversation = container.querySelector(".rw-conversation-container");
    if (!conversation) return;
    endChatButton(conversation);
    showStatus(conversation, container);
    showUnsent(conversation, container);
    keepBoxUsable(conversation);
    Array.prototype.forEach.call(container.querySelectorAll(".rw-response .rw-message-text"), linkBookingUrls);
  }

  update();
  new MutationObserver(update).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["class", "disabled"]
  });

  // For the tests: the booking linkifier on its own.
  window.clinicWidget = { linkBookingUrls: linkBookingUrls };
})();
