"""Browser tests: a real gunicorn server on a fresh SQLite database with the demo data, driven by
Playwright in Debian's Chromium. Screenshots go to test-artifacts/screenshots/ for a person to look at."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
PASSWORD = "Demo@2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server_url(tmp_path_factory):
    """The demo organisation and accounts with no matters: each test registers its own."""
    yield from _serve(tmp_path_factory.mktemp("server-data"), ["load_demo", "--without-matters"])


@pytest.fixture(scope="session")
def demo_office_url(tmp_path_factory):
    """The demo office as `make run` serves it: with its few hundred sample matters."""
    yield from _serve(tmp_path_factory.mktemp("office-data"), ["load_demo"])


DATA_DIRS: dict[str, Path] = {}  # the data directory of each server, by its URL


def _env(data_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "XINFANG_DATA_DIR": str(data_dir),
        "DEMO_PASSWORD": PASSWORD,
        "XINFANG_DEMO": "1",
    }
    env.pop("DATABASE_URL", None)
    return env


def _serve(data_dir: Path, load: list[str]):
    env = _env(data_dir)
    python = sys.executable
    for command in (["migrate", "--noinput"], ["collectstatic", "--noinput", "-v", "0"], load):
        subprocess.run([python, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True)
    port = _free_port()
    gunicorn = Path(python).with_name("gunicorn")
    log = open(data_dir / "server.log", "w")  # noqa: SIM115 - closed at teardown
    process = subprocess.Popen(
        # threads, as `make run` serves: with plain sync workers an idle connection that Chromium
        # keeps open (four signed-in users at once) can hold a worker until it times out
        [
            str(gunicorn),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=1)
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError((data_dir / "server.log").read_text()) from None
            time.sleep(0.2)
    DATA_DIRS[url] = data_dir
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture
def manage(server_url):
    """Runs a management command against the server's database (as its cron or IT staff would),
    returning its output: `manage("deadlines_sweep", "--at", "2026-12-03 16:31")`."""

    def run(*args: str, url: str = server_url) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=_env(DATA_DIRS[url]),
            check=True,
            capture_output=True,
            text=True,
        )
        return done.stdout

    return run


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        viewport={"width": 1366, "height": 850}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def screenshot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def login(server_url):
    def do(page, username: str, password: str = PASSWORD, *, url: str = server_url) -> None:
        page.goto(f"{url}/accounts/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")

    return do


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe.min.js, installed by the project's script when it is not there yet
    (the accessibility walk and the portal's pages use it)."""
    done = subprocess.run(
        ["bash", "scripts/axe_core.sh", str(Path(sys.prefix) / "share" / "axe-core")],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(ROOT, done.stdout.strip().splitlines()[-1]).read_text()
