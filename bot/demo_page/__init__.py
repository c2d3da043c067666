"""The demo clinic page with the chat widget: the page (index.html, static/),
the widget's pinned npm package (package.json, installed by `make web` into
node_modules/) and the server that serves them (web_server.py)."""
