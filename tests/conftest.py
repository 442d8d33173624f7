"""Every test reads the engine's words in English unless it asks for another language."""

import os

os.environ["SCHEDULER_LANGUAGE"] = "en"  # before scheduler.i18n reads it; CLI runs inherit it
