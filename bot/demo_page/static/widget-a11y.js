// Accessibility fixes for rasa-webchat 1.0.1, applied from outside the bundle.
//
// The widget renders with React and is unmaintained, so instead of forking it
// this layer watches its DOM (a MutationObserver) and, each time it changes:
// - names the launcher ("Open chat with <clinic>" / "Close chat", with
//   aria-expanded), the header's close button, the message box and Send;
// - exposes quick replies (rendered as <div>s) as buttons: role="button",
//   tabindex="0", operated with Enter and Space like a real button;
// - makes the message list a polite live region (role="log") with a name,
//   focusable so that keyboard users can scroll it;
// - turns phone numbers and emails in the assistant's replies into tel: and
//   mailto: links, building elements from text (never parsing HTML);
// and Escape closes the open widget, giving focus back to the launcher.
// The visible focus ring is in clinic.css. Only attributes and its own link
// elements are added; nothing React renders is removed or re-ordered.
(function () {
  "use strict";

  // The clinic's name: the script tag's data-clinic (a page of the clinic's
  // own) or the settings the page server writes.
  var script = document.currentScript;
  var settingsElement = document.getElementById("webchat-settings");
  var clinic = (script && script.getAttribute("data-clinic")) ||
    (settingsElement && JSON.parse(settingsElement.textContent).title) || "the clinic";

  // As bot/server/channels/socketio_web.py's _CONTACT: North American numbers
  // (+1 555-010-0199, (555) 010-0199, 1-800-222-1222), 911, 988 and emails.
  // JavaScript regexes get their boundaries checked by hand (see isWhole).
  var CONTACT = /(?:\+?1[ .-]?)?(?:\(\d{3}\)\s?|\d{3}[ .-])\d{3}[ .-]\d{4}|911|988|[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
  var BEFORE = /[\w\/@.+$,-]/;
  var AFTER = /[\w@-]/;

  function isWhole(text, start, end) {
    return !(start > 0 && BEFORE.test(text.charAt(start - 1))) &&
      !(end < text.length && AFTER.test(text.charAt(end)));
  }

  function contactLink(value) {
    var link = document.createElement("a");
    link.href = value.indexOf("@") >= 0
      ? "mailto:" + value
      : "tel:" + value.replace(/[^\d+]/g, "");
    link.textContent = value;
    return link;
  }

  // Replaces one text node by text and links, if it holds a phone or email.
  function linkifyTextNode(node) {
    var text = node.nodeValue;
    var parts = null;
    var last = 0;
    var match;
    CONTACT.lastIndex = 0;
    while ((match = CONTACT.exec(text)) !== null) {
      var start = match.index;
      var end = start + match[0].length;
      if (!isWhole(text, start, end)) continue;
      parts = parts || document.createDocumentFragment();
      parts.appendChild(document.createTextNode(text.slice(last, start)));
      parts.appendChild(contactLink(match[0]));
      last = end;
    }
    if (!parts) return;
    parts.appendChild(document.createTextNode(text.slice(last)));
    node.parentNode.replaceChild(parts, node);
  }

  function insideLinkOrControl(node, root) {
    for (var el = node.parentNode; el && el !== root; el = el.parentNode) {
      if (/^(A|BUTTON|SCRIPT|STYLE|TEXTAREA)$/.test(el.nodeName) || el.getAttribute("role") === "button") {
        return true;
      }
    }
    return false;
  }

  function linkifyContacts(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    var found = [];
    while (walker.nextNode()) {
      if (!insideLinkOrControl(walker.currentNode, root)) found.push(walker.currentNode);
    }
    found.forEach(linkifyTextNode);
  }

  function set(el, name, value) {
    if (el.getAttribute(name) !== value) el.setAttribute(name, value);
  }

  function each(root, selector, fn) {
    Array.prototype.forEach.call(root.querySelectorAll(selector), fn);
  }

  function widget() {
    return document.querySelector(".rw-widget-container");
  }

  function isOpen(container) {
    return container.classList.contains("rw-chat-open");
  }

  function enhance() {
    var container = widget();
    if (!container) return;
    var open = isOpen(container);
    set(container, "role", "region");
    set(container, "aria-label", "Chat with " + clinic);
    each(container, ".rw-launcher", function (launcher) {
      set(launcher, "aria-label", open ? "Close chat" : "Open chat with " + clinic);
      set(launcher, "aria-expanded", open ? "true" : "false");
    });
    each(container, ".rw-close-button", function (button) {
      set(button, "aria-label", "Close chat");
    });
    each(container, ".rw-toggle-fullscreen-button", function (button) {
      set(button, "aria-label", "Full screen");
    });
    // The page's own headings are h1 and h2; the widget's title is an h4.
    each(container, ".rw-title", function (title) { set(title, "aria-level", "2"); });
    each(container, ".rw-messages-container", function (log) {
      set(log, "role", "log");
      set(log, "aria-live", "polite");
      set(log, "aria-relevant", "additions");
      set(log, "tabindex", "0");
      set(log, "aria-label", "Conversation with " + clinic);
    });
    each(container, ".rw-new-message", function (input) {
      set(input, "aria-label", "Your question");
    });
    each(container, ".rw-send", function (send) {
      set(send, "aria-label", "Send");
      each(send, "svg, img", function (icon) { set(icon, "aria-hidden", "true"); });
    });
    each(container, ".rw-reply:not(a)", function (reply) {
      set(reply, "role", "button");
      set(reply, "tabindex", "0");
    });
    each(container, ".rw-response .rw-message-text", linkifyContacts);
    // A call or an email is not a new browser tab.
    each(container, 'a[href^="tel:"][target], a[href^="mailto:"][target]', function (link) {
      link.removeAttribute("target");
    });
  }

  // After a re-render, focus `find()`'s element once it is there and shown.
  function focusWhenShown(find, frames) {
    var el = find();
    if (el && el.getClientRects().length) {
      el.focus();
    } else if (frames > 0) {
      requestAnimationFrame(function () { focusWhenShown(find, frames - 1); });
    }
  }

  function closeChat(container) {
    var close = container.querySelector(".rw-close-button") || container.querySelector(".rw-launcher");
    close.click();
    focusWhenShown(function () {
      var now = widget();
      return now && !isOpen(now) ? now.querySelector(".rw-launcher") : null;
    }, 30);
  }

  // Gives focus to the message box, where the next message goes, once focus
  // has fallen to the page or still sits on `from` (about to be disabled),
  // and unless the visitor has moved it elsewhere.
  function backToMessageBox(from) {
    focusWhenShown(function () {
      var active = document.activeElement;
      if (active && active !== document.body && active !== from) return null;
      var container = widget();
      return container && container.querySelector(".rw-new-message");
    }, 5);
  }

  function activateReply(reply) {
    reply.click();
    // A chosen reply may leave the page; the message box is next in line.
    backToMessageBox(null);
  }

  // Once the box is empty the send button turns disabled, and a disabled
  // button drops focus to the page.
  document.addEventListener("click", function (event) {
    var container = widget();
    var send = event.target && event.target.closest ? event.target.closest(".rw-send") : null;
    if (container && send && container.contains(send)) backToMessageBox(send);
  });

  function replyButton(target) {
    var container = widget();
    return target && target.nodeType === 1 && container && container.contains(target) &&
      target.matches('.rw-reply[role="button"]') ? target : null;
  }

  document.addEventListener("keydown", function (event) {
    var container = widget();
    if (!container) return;
    if (event.key === "Escape" && isOpen(container) &&
        (container.contains(event.target) || event.target === document.body)) {
      event.preventDefault();
      closeChat(container);
      return;
    }
    var reply = replyButton(event.target);
    if (!reply) return;
    if (event.key === "Enter") {
      event.preventDefault();
      activateReply(reply);
    } else if (event.key === " " || event.key === "Spacebar") {
      event.preventDefault(); // no page scroll; the button acts on key up
    }
  });

  document.addEventListener("keyup", function (event) {
    var reply = replyButton(event.target);
    if (reply && (event.key === " " || event.key === "Spacebar")) {
      event.preventDefault();
      activateReply(reply);
    }
  });

  enhance();
  new MutationObserver(enhance).observe(document.body, {
    childList: true, subtree: true, attributes: true, attributeFilter: ["class"]
  });

  // For the tests: the linkifier on its own.
  window.clinicWidgetA11y = { linkifyContacts: linkifyContacts };
})();
