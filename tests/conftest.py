import os

from hypothesis import settings

# Timing is measured by bench/, not by tests: no per-example deadline. CI runs the same
# examples every time so a red run can be reproduced.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")
