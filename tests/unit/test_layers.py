"""The layers point one way: pages → services → domain libraries → base (models, db, errors).

Every import in every module under lms/ is read (function-level imports too) and checked against
the layer table below; docs/architecture.md explains the layers.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LMS = Path(__file__).resolve().parents[2] / "lms"

#: Layers from the bottom up; a module may import its own layer or a lower one.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    (
        "base",
        (
            "lms.models",
            "lms.db",
            "lms.sqlite_writers",
            "lms.sign_in_cache",
            "lms.sign_in_cache_sqlite",
            "lms.single_flight",
            "lms.errors",
            "lms.config",
            "lms.extensions",
            "lms.text",
            "lms.segmentation",
            "lms.migrate",
        ),
    ),
    ("domain", ("lms.captions", "lms.questions", "lms.credentials", "lms.content", "lms.media")),
    ("services", ("lms.services",)),
    (
        "pages",
        (
            "lms.forms",
            "lms.visitor_pages",
            "lms.personal_pages",
            "lms.auth",
            "lms.catalog",
            "lms.learn",
            "lms.quiz",
            "lms.certificates",
            "lms.author",
            "lms.quizauthor",
            "lms.dashboard",
            "lms.admin",
        ),
    ),
    ("app", ("lms.cli", "lms.templating", "lms.wsgi", "lms.migrations", "lms.jobs", "lms")),
]
#: Domain libraries are independent of each other, except that the course file format carries
#: questions (quiz.yaml) and captions (the .vtt files it reads).
DOMAIN_USES = {"lms.content": {"lms.questions", "lms.captions"}}
#: A page package may use the shared form pieces and the page caches, never another page package.
SHARED_PAGES = {"lms.forms", "lms.visitor_pages", "lms.personal_pages"}


def _owner(module: str) -> tuple[int, str] | None:
    """(layer index, package) of an lms module, by the longest matching prefix."""
    best: tuple[int, str] | None = None
    for index, (_name, packages) in enumerate(LAYERS):
        for package in packages:
            if (module == package or module.startswith(package + ".")) and (
                best is None or len(package) > len(best[1])
            ):
                best = (index, package)
    return best


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(LMS.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every lms import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "lms"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != "lms":
                continue
            # "from lms import db" imports the module lms.db, not the package lms.
            for alias in node.names:
                candidate = f"{module}.{alias.name}"
                found.append((node.lineno, candidate if _is_module(candidate) else module))
    return sorted(set(found))


def _is_module(name: str) -> bool:
    path = LMS.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def _sources() -> list[Path]:
    return sorted(p for p in LMS.rglob("*.py") if "migrations/versions" not in p.as_posix())


def violations() -> list[str]:
    found = []
    for path in _sources():
        here_name = _module_name(path)
        here = _owner(here_name)
        assert here is not None, f"{here_name} belongs to no layer: add it to LAYERS"
        for line, target in _imports(path):
            there = _owner(target)
            assert there is not None, f"{target} (imported by {here_name}) belongs to no layer"
            where = f"{path.relative_to(LMS.parent)}:{line} imports {target}"
            if there[0] > here[0]:
                found.append(f"{where}: {LAYERS[here[0]][0]} may not import {LAYERS[there[0]][0]}")
            elif here[0] == there[0] == 1 and here[1] != there[1] and there[1] not in DOMAIN_USES.get(here[1], ()):
                found.append(f"{where}: domain library {here[1]} may not depend on {there[1]}")
            elif here[0] == there[0] == 3 and here[1] != there[1] and there[1] not in SHARED_PAGES:
                found.append(f"{where}: page package {here[1]} may not import page package {there[1]}")
    return found


def test_every_import_points_down_the_layers():
    """No module imports a higher layer, a sibling domain library it should not know, or another page."""
    assert violations() == []


@pytest.mark.parametrize(
    "module, layer",
    [
        ("lms.services.enrollment", "services"),
        ("lms.db", "base"),
        ("lms.quiz.views", "pages"),
        ("lms.questions.registry", "domain"),
        ("lms", "app"),
    ],
)
def test_layer_table_places_modules(module, layer):
    """The longest package prefix decides a module's layer."""
    owner = _owner(module)
    assert owner is not None and LAYERS[owner[0]][0] == layer


def test_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """A service importing a blueprint is reported (the checker can fail)."""
    fake = LMS / "services" / "_layer_probe.py"
    monkeypatch.setattr("tests.unit.test_layers._sources", lambda: [fake])
    monkeypatch.setattr(Path, "read_text", lambda self, encoding=None: "from lms.quiz import views\n")
    assert any("services may not import pages" in v for v in violations())


def test_tests_take_helpers_from_helper_modules():
    """No test module imports from a test module or a conftest: shared helpers live in
    tests/helpers.py, tests/factories.py and tests/browser/helpers.py."""
    tests_root = LMS.parent / "tests"
    found = []
    for path in sorted(tests_root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tests."):
                last = node.module.rsplit(".", 1)[-1]
                if last.startswith("test_") or last == "conftest":
                    found.append(f"{path.relative_to(tests_root.parent)}:{node.lineno} imports {node.module}")
    assert found == []
