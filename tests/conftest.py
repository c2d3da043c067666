"""Settings for every test, and every server a test starts: the local
settings file (.env, with the clinic's production values) is never read, so
a test never writes to the clinic's databases or posts to its webhook."""
import os

os.environ["CLINIC_SETTINGS_FILE"] = ""
