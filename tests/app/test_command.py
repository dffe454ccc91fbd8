"""``crossing-sim app``: listed, light (no Streamlit until it runs), and one clear line when
the extra is missing. The server itself is started by tests/app/test_browser.py."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import invoke
from crossing_sim.cli import app as app_command


def test_listed_and_its_help_does_not_import_streamlit() -> None:
    code = ("import sys\nfrom click.testing import CliRunner\n"
            "from crossing_sim.cli.main import main\n"
            "r = CliRunner().invoke(main, ['app', '--help'])\n"
            "assert r.exit_code == 0, r.output\nassert '--no-browser' in r.output\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'streamlit'))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
    _, listing, _ = invoke("--help")
    assert "app " in listing


def test_without_streamlit_one_clear_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app_command.importlib.util, "find_spec", lambda name: None)
    code, _, err = invoke("app", "--no-browser")
    assert code == 2
    assert err.strip() == ("Error: the app needs Streamlit: pip install 'crossing-sim[app]' "
                           "(from a clone: pip install -e '.[app]')")


def test_the_server_is_local_and_runs_the_installed_page() -> None:
    command = app_command.server_command(8555)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8555"
    page = app_command.page_path()
    assert page.is_file()
    assert page.parent.name == "app"
