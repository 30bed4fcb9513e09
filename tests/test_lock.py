"""The lock in requirements/ is in step with pyproject.toml (offline: it reads the files only).

`make lock` writes both files; these tests fail when pyproject.toml changes without it.
"""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "requirements" / "base.txt"
DEV = ROOT / "requirements" / "dev.txt"
PYPROJECT_NOTE = re.compile(r"#\s+(via\s+)?rtc-dashboard \(pyproject\.toml\)")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def read_lock(path: Path) -> list[tuple[Requirement, list[str]]]:
    """Each pinned requirement (marker included) with the hashes written under it."""
    entries: list[tuple[Requirement, list[str]]] = []
    for line in path.read_text().splitlines():
        stripped = line.strip().rstrip("\\").strip()
        if not stripped or stripped.startswith("#"):
            continue
        if line[0].isspace():
            if stripped.startswith("--hash="):
                entries[-1][1].append(stripped.removeprefix("--hash="))
            continue
        entries.append((Requirement(stripped), []))
    return entries


def pins(entries: list[tuple[Requirement, list[str]]]) -> dict[str, set[str]]:
    """Name -> every version pinned for it (a universal lock may pin two, under markers)."""
    found: dict[str, set[str]] = {}
    for requirement, _ in entries:
        (spec,) = requirement.specifier
        assert spec.operator == "==", f"{requirement} is not pinned with =="
        found.setdefault(canonicalize_name(requirement.name), set()).add(spec.version)
    return found


def unmet(declared: list[str], locked: dict[str, set[str]]) -> list[str]:
    problems = []
    for text in declared:
        requirement = Requirement(text)
        versions = locked.get(canonicalize_name(requirement.name))
        if not versions:
            problems.append(f"{text}: not in the lock")
        elif bad := sorted(v for v in versions if not requirement.specifier.contains(v, prereleases=True)):
            problems.append(f"{text}: the lock pins {', '.join(bad)}")
    return problems


@pytest.mark.parametrize("path", [BASE, DEV], ids=["base", "dev"])
def test_every_line_is_pinned_with_hashes(path):
    entries = read_lock(path)
    assert entries
    pins(entries)
    assert [str(r) for r, hashes in entries if not hashes] == []


def test_runtime_dependencies_are_locked_in_both_files():
    dependencies = _pyproject()["project"]["dependencies"]
    assert unmet(dependencies, pins(read_lock(BASE))) == [], "run `make lock`"
    assert unmet(dependencies, pins(read_lock(DEV))) == [], "run `make lock`"


def test_dev_and_build_requirements_are_locked_in_dev():
    project = _pyproject()
    declared = project["project"]["optional-dependencies"]["dev"] + project["build-system"]["requires"]
    assert unmet(declared, pins(read_lock(DEV))) == [], "run `make lock`"


def test_dev_lock_keeps_the_runtime_pins():
    base, dev = pins(read_lock(BASE)), pins(read_lock(DEV))
    assert {name: versions for name, versions in base.items() if dev.get(name) != versions} == {}


def test_the_lock_was_made_from_these_dependencies():
    """A dependency dropped from pyproject.toml leaves the lock too (its transitive ones with it)."""
    project = _pyproject()
    runtime = {canonicalize_name(Requirement(t).name) for t in project["project"]["dependencies"]}
    dev = {canonicalize_name(Requirement(t).name) for t in project["project"]["optional-dependencies"]["dev"]}
    assert _direct(BASE) == runtime
    assert _direct(DEV) == runtime | dev


def _direct(path: Path) -> set[str]:
    """Names the lock says it holds because pyproject.toml asked for them (uv's `# via` notes)."""
    direct, current = set(), None
    for line in path.read_text().splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            current = canonicalize_name(Requirement(line.rstrip("\\").strip()).name)
        elif current and PYPROJECT_NOTE.fullmatch(line.strip()):
            direct.add(current)
    return direct
