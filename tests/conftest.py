"""Test-suite settings: Hypothesis runs derandomized, so the suite is deterministic."""

from hypothesis import settings

settings.register_profile("ccsim", derandomize=True, print_blob=True)
settings.load_profile("ccsim")
