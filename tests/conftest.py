import os

import pytest
from hypothesis import settings

# Timing is measured by bench/, not by tests: no per-example deadline. CI runs the same
# examples every time so a red run can be reproduced.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") == "true" else "dev")


def _skipped_under_ci(config: pytest.Config) -> int:
    if os.environ.get("CI") != "true":
        return 0
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    return len(reporter.stats.get("skipped", [])) if reporter else 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI nothing may be skipped: a skip there means a check silently did not run."""
    if _skipped_under_ci(session.config):
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if skipped := _skipped_under_ci(config):
        terminalreporter.write_line(f"CI=true but {skipped} test(s) were skipped: failing the run.", red=True)
