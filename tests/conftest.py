"""Settings for every test, and every server a test starts: the local
settings file (.env, with the clinic's production values) is never read, so
a test never writes to the clinic's databases or posts to its webhook."""

import os

# Sanic, which Rasa imports, puts "once" for every DeprecationWarning in
# front of the warning filters as it loads. Loaded here, while pytest reads
# its configuration, that filter goes with the rest of that phase's, and
# pytest.ini's filters hold while the tests are collected too.
import sanic  # noqa: F401

os.environ["CLINIC_SETTINGS_FILE"] = ""
