// Starts rasa-webchat with the settings the page server wrote into the page.
// Kept out of the HTML so the page's Content-Security-Policy can forbid
// inline scripts.
(function () {
  var settings = JSON.parse(document.getElementById("webchat-settings").textContent);
  window.WebChat.default({
    socketUrl: settings.socketUrl,
    socketPath: "/socket.io/",
    initPayload: "/greet",
    title: settings.title,
    subtitle: "Questions about stem cell therapy",
    inputTextFieldHint: "Type your question...",
    // Keeps the conversation across page reloads; the server side has
    // session_persistence on, so the same visitor is the same conversation.
    params: { storage: "local" },
    // The launcher stays when the Rasa server cannot be reached, so the
    // visitor can open the widget and read what to do instead.
    hideWhenNotConnected: false,
    // Botfront's "rules" would keep the widget hidden until the server
    // confirms a session; Rasa sends none.
    withRules: false,
    customMessageDelay: function () { return 300; },
    showMessageDate: false
  }, null);
})();
