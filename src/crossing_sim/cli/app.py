"""``crossing-sim app``: the classroom page in the browser (needs ``crossing-sim[app]``).

Starts a local Streamlit server on 127.0.0.1 with the page ``crossing_sim/app/page.py`` and
opens the browser on it. Streamlit is imported by the server, never by this module, so the
command's help stays light and a missing extra gets one clear line.
"""

from __future__ import annotations

import importlib.util
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import webbrowser
from importlib.resources import files
from pathlib import Path

import click

from crossing_sim.cli.common import CONTEXT, UserError
from crossing_sim.interrupt import command_runs

__all__ = ["app", "page_path", "server_command", "wait_until_up"]

EXAMPLES = """
\b
Examples:
  crossing-sim app                       # opens http://127.0.0.1:8501 in the browser
  crossing-sim app --port 8600 --no-browser
"""

HOST = "127.0.0.1"


def page_path() -> Path:
    """The page Streamlit runs, inside the installed package."""
    return Path(str(files("crossing_sim") / "app" / "page.py"))


def server_command(port: int) -> list[str]:
    """The command that starts the Streamlit server on 127.0.0.1:``port``, headless (no
    first-run questions; the browser is opened by :func:`app` once the page answers)."""
    return [sys.executable, "-m", "streamlit", "run", str(page_path()),
            "--server.address", HOST, "--server.port", str(port),
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--server.fileWatcherType", "none", "--global.developmentMode", "false",
            "--client.toolbarMode", "viewer"]


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 60) -> bool:
    """Whether the server answers its health check before ``timeout`` seconds (or exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    return False


@click.command(context_settings=CONTEXT, epilog=EXAMPLES)
@click.option("--port", type=click.IntRange(1024, 65535), default=8501, show_default=True,
              help="The port on 127.0.0.1 the page is served on.")
@click.option("--no-browser", is_flag=True, help="Serve the page without opening a browser.")
def app(port: int, no_browser: bool) -> None:
    """Open the classroom app: levers, paired runs, the scenario log and the planner's game.

    Serves a local page on 127.0.0.1 (only this computer can reach it) until Ctrl-C.
    """
    if importlib.util.find_spec("streamlit") is None:
        raise UserError("the app needs Streamlit: pip install 'crossing-sim[app]' "
                        "(from a clone: pip install -e '.[app]')")
    with command_runs():  # Ctrl-C stops the server (crossing_sim.interrupt)
        url = f"http://{HOST}:{port}"
        # stopped by a signal (not only Ctrl-C), stop the server too
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
        # the server's own banner would repeat the address printed below; its log stays on stderr
        process = subprocess.Popen(server_command(port), stdout=subprocess.DEVNULL)
        try:
            if not wait_until_up(url, process):
                process.terminate()
                code = process.wait()
                raise UserError(f"the app's server did not start on {url} (exit code {code}); "
                                f"is the port taken? try --port {port + 1}")
            click.echo(f"crossing-sim app: {url} (Ctrl-C to stop)")
            if not no_browser:
                webbrowser.open(url)
            process.wait()
        except KeyboardInterrupt:
            click.echo("stopped")
        finally:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
