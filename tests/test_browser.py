"""The reader's experience in a real browser (chapter 04): JupyterLab + headless Chromium.

Starts JupyterLab on 127.0.0.1 with a fresh config, opens the orderings chapter, runs it from the
Run menu (quick mode), checks the "ordering" dropdown renders, picks another ordering and checks that
the figure changes. The screenshot goes to benchmarks/screenshots/ (not committed).

Needs Debian's Chromium (`apt-get install chromium`, which .ci/run does) and Playwright for Python
(`pip install playwright`, a dev dependency). Playwright never downloads a browser here: it drives
/usr/bin/chromium. Without either, the test is skipped and says why.
"""

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHAPTER = ROOT / "notebooks" / "04_orderings.ipynb"
SCREENSHOTS = ROOT / "benchmarks" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDGET = 'div.widget-dropdown:has(> label:text-is("ordering")) select'


def _skip_reason():
    if not CHROMIUM.exists():
        return "browser test not run: Debian's Chromium is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser test not run: Playwright for Python is not installed (pip install -e '.[dev]')"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def jupyter_lab(root: Path, tmp: Path):
    """A JupyterLab server on loopback, serving `root`, with its own config and runtime folders."""
    port, token = free_port(), secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the kernel draws inline
    env.update(
        GENLIB_QUICK="1",
        JUPYTER_CONFIG_DIR=str(tmp / "config"),
        JUPYTER_RUNTIME_DIR=str(tmp / "runtime"),
        IPYTHONDIR=str(tmp / "ipython"),
        PYTHONUNBUFFERED="1",
    )
    news = tmp / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false", "checkForUpdates": false}')  # no news pop-up, no fetch
    log = open(tmp / "jupyter.log", "w")
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",  # no PyPI look-ups from the extension manager
        f"--LabApp.workspaces_dir={tmp / 'workspaces'}",
        f"--LabApp.user_settings_dir={tmp / 'settings'}",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI runs as root
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                pytest.fail(
                    f"JupyterLab exited with {proc.returncode}:\n{(tmp / 'jupyter.log').read_text()[-3000:]}"
                )
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.time() > deadline:
                pytest.fail(
                    f"JupyterLab did not answer within 90 s:\n{(tmp / 'jupyter.log').read_text()[-3000:]}"
                )
            time.sleep(0.5)
        yield url, token
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and the kernels it started (its own session)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        log.close()


def _figure(cell):
    """What the widget's cell shows: the src of its images (inline PNGs), else a screenshot."""
    srcs = cell.locator(".jp-OutputArea img").evaluate_all("els => els.map(e => e.src)")
    return tuple(srcs) if srcs else cell.locator(".jp-OutputArea").screenshot()


def _wait_for_kernel(page, timeout_s):
    """Accept a "Select Kernel" dialog if one comes up, then wait until the kernel is idle."""
    kernel = page.locator(".jp-NotebookPanel-toolbar .jp-Toolbar-kernelName")
    idle = page.locator('.jp-Notebook-ExecutionIndicator[data-status="idle"]')
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        if page.locator(".jp-Dialog .jp-mod-accept").count():
            page.locator(".jp-Dialog .jp-mod-accept").first.click()
        elif kernel.count() and "No Kernel" not in kernel.inner_text() and idle.count():
            return
        page.wait_for_timeout(250)
    pytest.fail(f"the kernel did not start within {timeout_s:.0f} s")


def run_widget_check(notebook: Path, tmp: Path, screenshot: Path, timeout_s: float = 240) -> dict:
    """Open `notebook` in JupyterLab, Run All Cells, change the "ordering" dropdown; return what was seen."""
    from playwright.sync_api import sync_playwright

    served = tmp / "served"
    served.mkdir()
    shutil.copy(notebook, served / notebook.name)  # a copy: autosave must never touch the committed chapter
    ms = int(timeout_s * 1000)
    with jupyter_lab(served, tmp) as (url, token), sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/{notebook.name}?reset&token={token}", timeout=ms)
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=ms)
            _wait_for_kernel(page, timeout_s)
            page.locator('.lm-MenuBar-itemLabel:text-is("Run")').click()
            page.locator('.lm-Menu-itemLabel:text-is("Run All Cells")').click()
            dropdown = page.locator(WIDGET).first  # the chapter's first "ordering" dropdown
            try:
                dropdown.wait_for(timeout=ms)
            except Exception:
                errors = page.locator('[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
                page.screenshot(path=str(screenshot))
                pytest.fail(
                    f"no 'ordering' dropdown appeared after Run All Cells; outputs on stderr: "
                    f"{errors[-3:]}; screenshot {screenshot}"
                )
            page.locator(".jupyter-widgets").first.wait_for(timeout=ms)
            cell = page.locator(".jp-Cell", has=dropdown).first
            cell.locator(".jp-OutputArea img, .jp-OutputArea canvas").first.wait_for(timeout=ms)
            cell.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            before, old = _figure(cell), dropdown.input_value()
            options = dropdown.locator("option").all_text_contents()
            new = next(o for o in reversed(options) if o != old)
            dropdown.select_option(label=new)
            deadline, after = time.time() + timeout_s, before
            while after == before and time.time() < deadline:
                page.wait_for_timeout(300)
                after = _figure(cell)
            page.wait_for_timeout(300)
            cell.screenshot(path=str(screenshot))
            return {
                "options": options,
                "old": old,
                "new": new,
                "value": dropdown.input_value(),
                "before": before,
                "after": after,
            }
        finally:
            browser.close()


@pytest.mark.skipif(_skip_reason() is not None, reason=_skip_reason() or "")
@pytest.mark.skipif(not CHAPTER.exists(), reason=f"browser test not run: {CHAPTER.name} is not written yet")
def test_orderings_widget_in_jupyterlab(tmp_path):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shot = SCREENSHOTS / "04_orderings_widget.png"
    seen = run_widget_check(CHAPTER, tmp_path, shot)
    assert len(seen["options"]) >= 2, f"the ordering dropdown offers {seen['options']}"
    assert seen["value"] == seen["new"] != seen["old"]
    assert seen["after"] != seen["before"], (
        f"the figure did not change when the ordering went from "
        f"{seen['old']!r} to {seen['new']!r}; screenshot {shot}"
    )
    assert shot.read_bytes()[:4] == b"\x89PNG"
    print(f"browser test screenshot: {shot}")
