"""rasa-sdk's plugin hook: rasa_sdk/plugin.py imports a package by this name,
if there is one, when the action server starts. The project's additions to
the action server are in rasa_sdk_plugins/action_server.py."""

import pluggy


def init_hooks(manager: pluggy.PluginManager) -> None:
    from rasa_sdk_plugins import action_server

    manager.register(action_server)
