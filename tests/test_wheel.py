"""The package as a user installs it: a wheel built from this checkout, installed with its dependencies
into a fresh virtual environment, run from a folder that is not the checkout.

The editable install the README uses for development reads modules and facts straight from the
checkout, so it hides a wheel that lacks a subpackage, a page script or a fact file; these tests do
not. The wheel and the environment are made once for the module (25-50 s here with pip's
cache warm, more when it downloads the dependencies).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from dashboard.factbase.loader import load_factbase

from .conftest import ROOT
from .serving import serve

pytestmark = pytest.mark.wheel

PACKAGES = ("dashboard", "charts")
# The pages that draw charts; every page of the navigation is opened, these must show one.
CHARTED = {"", "questions", "compare", "timelines", "aid"}


def run(command: list, **options) -> subprocess.CompletedProcess:
    """Run `command` to completion; fail with its output unless it exits 0."""
    command = [str(part) for part in command]
    done = subprocess.run(command, capture_output=True, text=True, **options)
    assert done.returncode == 0, (
        f"{' '.join(command)} exited {done.returncode}:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
    return done


def _not_sources(folder: str, names: list[str]) -> set[str]:
    """What a copy of the checkout leaves out: dot folders (.git, caches, .ci-venv), build output and
    virtual environments."""
    return {
        name
        for name in names
        if name.startswith(".")
        or name in ("build", "dist", "__pycache__")
        or name.endswith(".egg-info")
        or (Path(folder) / name / "pyvenv.cfg").is_file()
    }


def _as_user(venv: Path, cache: Path) -> dict:
    """The environment of a user of `venv`: nothing that points back into the checkout or its fact base."""
    return {
        "PYTHONPATH": None,
        "PYTHONHOME": None,
        "FACTDASH_FACTS": None,
        "VIRTUAL_ENV": str(venv),
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "FACTDASH_CACHE_DIR": str(cache),
    }


def _environ(overrides: dict) -> dict:
    return {key: value for key, value in {**os.environ, **overrides}.items() if value is not None}


def _checkout_file(shown: str) -> str:
    """A file of the fact base as the loader shows it (relative to the working folder, or absolute),
    as a path relative to the checkout."""
    path = Path(shown)
    return (path if path.is_absolute() else Path.cwd() / path).resolve().relative_to(ROOT).as_posix()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built as `pip wheel` builds it, from a copy of the checkout: an in-tree build would
    leave build/ in the checkout and put whatever an earlier build left in build/lib into the wheel."""
    source = tmp_path_factory.mktemp("source") / "factdash"
    shutil.copytree(ROOT, source, ignore=_not_sources, symlinks=True)
    wheelhouse = tmp_path_factory.mktemp("wheelhouse")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", wheelhouse, source], timeout=300)
    built = sorted(wheelhouse.glob("factdash-*.whl"))
    assert len(built) == 1, built
    return built[0]


@pytest.fixture(scope="module")
def elsewhere(tmp_path_factory) -> Path:
    """A folder outside the checkout to run the installed commands from."""
    folder = tmp_path_factory.mktemp("elsewhere")
    assert ROOT not in folder.resolve().parents
    return folder


@pytest.fixture(scope="module")
def installed(wheel, elsewhere, tmp_path_factory) -> Path:
    """A fresh virtual environment with the wheel and its dependencies installed by pip."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", venv], timeout=120)
    run(
        [venv / "bin" / "python", "-m", "pip", "install", wheel],
        cwd=elsewhere,
        timeout=540,
        env=_environ(_as_user(venv, tmp_path_factory.mktemp("user-cache"))),
    )
    return venv


@pytest.fixture(scope="module")
def user(installed, tmp_path_factory) -> dict:
    """The environment the installed commands run in (a cache of their own: nothing warmed by these tests)."""
    return _as_user(installed, tmp_path_factory.mktemp("user-cache"))


def _wait_for(page, selector: str, log: Path) -> None:
    """Until `selector` shows; fail at once, with the server's log, if the app shows an exception instead."""
    page.wait_for_selector(f"{selector}, [data-testid='stException']", timeout=60_000)
    if page.locator("[data-testid='stException']").count():
        pytest.fail(f"{page.url} shows an exception; the server's log:\n{log.read_text(encoding='utf-8')[-4000:]}")
    page.wait_for_selector(selector, timeout=60_000)


def _members(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


def _dist(names: list[str]) -> str:
    """The wheel's distribution-version prefix, as in factdash-0.1.0.dist-info."""
    (metadata,) = [name for name in names if name.endswith(".dist-info/METADATA")]
    return metadata.split("/")[0].removesuffix(".dist-info")


def test_the_wheel_holds_every_module_and_nothing_else(wheel):
    names = _members(wheel)
    modules = {name for name in names if name.endswith(".py")}
    sources = {
        path.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert "dashboard/app/views/overview.py" in sources and "dashboard/app/ui/state.py" in sources
    assert not sources - modules, f"modules missing from the wheel: {sorted(sources - modules)}"
    assert not modules - sources, f"modules in the wheel that the checkout does not have: {sorted(modules - sources)}"
    dist = _dist(names)
    assert {name.split("/")[0] for name in names} == {*PACKAGES, f"{dist}.dist-info", f"{dist}.data"}
    with zipfile.ZipFile(wheel) as archive:
        entry_points = archive.read(f"{dist}.dist-info/entry_points.txt").decode()
    assert "factdash = dashboard.cli:main" in entry_points


def test_the_wheel_holds_the_fact_files_the_bundled_base_loads(wheel):
    loaded = {_checkout_file(shown) for shown in load_factbase(ROOT / "facts.yaml").files}
    assert {"facts.yaml", "facts/ramstein-2025-01.yaml"} <= loaded
    expected = loaded | {"facts.schema.json"}  # named by facts.yaml for editors
    names = _members(wheel)
    prefix = f"{_dist(names)}.data/data/share/factdash/"
    shipped = {name.removeprefix(prefix): name for name in names if name.startswith(prefix)}
    assert set(shipped) == expected, (
        f"missing: {sorted(expected - set(shipped))}; not loaded by facts.yaml: {sorted(set(shipped) - expected)}"
    )
    with zipfile.ZipFile(wheel) as archive:
        for file, member in shipped.items():
            assert archive.read(member) == (ROOT / file).read_bytes(), f"{member} differs from {file}"


def test_the_installed_package_runs_on_its_own_modules_and_bundled_facts(installed, elsewhere, user):
    python, env = installed / "bin" / "python", _environ(user)
    run([python, "-m", "pip", "check"], cwd=elsewhere, env=env)
    where = run(
        [
            python,
            "-c",
            "import charts, dashboard\nfrom dashboard.factbase.paths import default_facts_path\n"
            "print(dashboard.__file__, charts.__file__, default_facts_path(), sep='\\n')",
        ],
        cwd=elsewhere,
        env=env,
    ).stdout.split("\n")
    site = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=elsewhere, env=env
    ).stdout.strip()
    assert where[0] == f"{site}/dashboard/__init__.py" and where[1] == f"{site}/charts/__init__.py", where
    bundled = installed / "share" / "factdash" / "facts.yaml"
    assert where[2] == str(bundled), where
    validated = run([installed / "bin" / "factdash", "validate"], cwd=elsewhere, env=env).stdout
    # The same fact base as the checkout's: every included file was installed and reads the same.
    assert f"{bundled}: OK: {load_factbase(ROOT / 'facts.yaml').summary()}" in validated, validated


@pytest.mark.browser
def test_factdash_serve_from_the_wheel_serves_every_page(installed, elsewhere, user, chromium, tmp_path):
    log = tmp_path / "serve.log"
    facts = len(load_factbase(ROOT / "facts.yaml").facts)
    with serve(factdash=[installed / "bin" / "factdash"], cwd=elsewhere, env=user, log=log) as url:
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        # The time of the page's last change, to know when a run of the script has settled.
        page.add_init_script(
            "window.__changed = performance.now(); new MutationObserver(() => "
            "{ window.__changed = performance.now(); }).observe(document, "
            "{subtree: true, childList: true, attributes: true, characterData: true});"
        )
        page.goto(url, wait_until="domcontentloaded")
        _wait_for(page, "[data-testid='stSidebarNavLink']", log)
        links = page.eval_on_selector_all("[data-testid='stSidebarNavLink']", "links => links.map(a => a.href)")
        paths = [link.removeprefix(url).strip("/") for link in links]
        assert len(paths) == len(list((ROOT / "dashboard" / "app" / "views").glob("*.py"))), paths
        assert "" in paths and CHARTED <= set(paths), paths
        for path in paths:
            page.goto(f"{url}/{path}", wait_until="domcontentloaded")
            _wait_for(page, "[data-testid='stMain'] h1", log)
            if path in CHARTED:
                _wait_for(page, "[data-testid='stPlotlyChart'] .js-plotly-plot .main-svg", log)
            if path == "":  # the Overview: the counts of the bundled base and its questions' disagreements
                page.get_by_text("Questions, where the answers differ most").wait_for(timeout=60_000)
                page.get_by_role("link", name="Every answer, and how they differ").first.wait_for(timeout=60_000)
                assert f"{facts:,}" in page.locator("[data-testid='stMetric']").first.inner_text()
            page.wait_for_function(
                "() => !document.querySelector('[data-testid=\"stStatusWidget\"]') "
                "&& performance.now() - window.__changed > 1000",
                timeout=60_000,
            )
            heading = page.locator("[data-testid='stMain'] h1").first.inner_text()
            shown = page.locator("[data-testid='stException'], [data-testid='stAlertContentError']")
            assert not shown.count(), (
                f"/{path} ({heading}) shows an error: {shown.all_inner_texts()}; the server's "
                f"log:\n{log.read_text(encoding='utf-8')[-4000:]}"
            )
            assert not errors, f"/{path} ({heading}): {errors}"
        page.close()
        served = log.read_text(encoding="utf-8")
    assert f"serving {(installed / 'share' / 'factdash' / 'facts.yaml').resolve()}" in served, served[-3000:]
    assert "Traceback" not in served, served[-3000:]
