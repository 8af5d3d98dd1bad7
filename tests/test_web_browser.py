"""The web app in a real browser: headless Chromium driven by selenium against ``taleforge serve``
(uvicorn on a free port in a background thread). A person's path: fill the knockout form for
MT-ND4, submit, watch the job page turn into the report, find the locus drawing and the table,
download a file; the same for a base edit; a report file opened from disk renders its drawing
and its sortable table works offline. Screenshots are saved under pytest's tmp dir.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and selenium;
skips with the reason otherwise."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed (pip install '.[web]')")
pytest.importorskip("uvicorn", reason="the web extra is not installed (pip install '.[web]')")
pytest.importorskip("selenium", reason="selenium is not installed (pip install '.[web]')")

import uvicorn
from selenium import webdriver
from selenium.common.exceptions import JavascriptException, StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from taleforge.web.app import ServerConfig, create_app
from taleforge.web.jobs import GenomeSet

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
DRIVER = shutil.which("chromedriver")
if not CHROMIUM or not DRIVER:
    pytest.skip("headless Chromium is not installed (apt-get install chromium chromium-driver; "
                ".ci/run does this)", allow_module_level=True)

JOB_TIMEOUT_S = 600  # a hung job fails the test; no timing is checked


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TALEFORGE_CACHE", str(tmp_path_factory.getbasetemp() / "tf-cache"))
        port = free_port()
        cfg = ServerConfig(state_dir=tmp_path_factory.mktemp("web-state"), port=port, workers=2,
                           genomes=GenomeSet(use_registry=False))
        srv = uvicorn.Server(uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port,
                                            log_level="warning", access_log=False))
        th = threading.Thread(target=srv.run, daemon=True)
        th.start()
        t0 = time.monotonic()
        while not srv.started:
            assert th.is_alive() and time.monotonic() - t0 < 120, "uvicorn did not start"
            time.sleep(0.05)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            srv.should_exit = True
            th.join(timeout=30)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[Any]:
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1280,1600", "--no-first-run", "--disable-extensions"):
        opts.add_argument(a)
    opts.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                           "download.prompt_for_download": False})
    try:
        drv = webdriver.Chrome(service=webdriver.ChromeService(executable_path=str(DRIVER)), options=opts)
    except WebDriverException as exc:
        pytest.skip(f"Chromium does not start here: {exc.msg}")
    drv.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    try:
        yield drv
    finally:
        drv.quit()


def fill(drv: Any, name: str, value: str) -> None:
    el = drv.find_element(By.NAME, name)
    el.clear()
    el.send_keys(value)


def untick(drv: Any, name: str) -> None:
    el = drv.find_element(By.NAME, name)
    if el.is_selected():
        el.click()


#: the job page's state in one script call (the page reloads itself when the job is done, so
#: element handles can go stale between two calls)
STATE_JS = """var dl=document.getElementById('downloads');if(dl)return 'done';
var e=document.getElementById('error');return e&&e.textContent?'error: '+e.textContent:'';"""


def page_state(drv: Any) -> str:
    return str(drv.execute_script(STATE_JS) or "")


def wait_until_finished(drv: Any) -> str:
    WebDriverWait(drv, 30).until(ec.url_contains("/jobs/"))
    WebDriverWait(drv, JOB_TIMEOUT_S, poll_frequency=0.5,
                  ignored_exceptions=(StaleElementReferenceException, JavascriptException)).until(page_state)
    return page_state(drv)


def wait_for_result(drv: Any) -> None:
    state = wait_until_finished(drv)
    assert state == "done", state


RANKED = """var ts=Array.from(document.querySelectorAll('table.sortable')).filter(function(t){
  return Array.from(t.tHead.rows[0].cells).some(function(h){return h.textContent.trim()==='rank';});});
var t=ts[0];"""


def ranked_rows(drv: Any) -> int:
    """Rows of the ranked designs table (the sortable table with a 'rank' column)."""
    return int(drv.execute_script(RANKED + "return t.tBodies[0].rows.length;"))


def count(drv: Any, css: str) -> int:
    return int(drv.execute_script(f"return document.querySelectorAll({css!r}).length"))


def test_knockout_form_to_report_and_download(server: str, browser: Any, downloads: Path, tmp_path: Path) -> None:
    drv = browser
    drv.get(server + "/")
    drv.find_element(By.LINK_TEXT, "TALEN knockout").click()
    WebDriverWait(drv, 30).until(ec.presence_of_element_located((By.ID, "jobform")))
    fill(drv, "target", "MT-ND4")
    fill(drv, "top", "3")
    untick(drv, "specificity")
    drv.save_screenshot(str(tmp_path / "knockout-form.png"))
    drv.find_element(By.ID, "submit").click()
    wait_for_result(drv)
    drv.save_screenshot(str(tmp_path / "knockout-report.png"))
    # the drawn locus (gene model, both arms, the cut) and the ranked table
    assert count(drv, "svg.locus") >= 1
    assert count(drv, "svg.locus .arm.left") >= 1 and count(drv, "svg.locus .arm.right") >= 1
    assert count(drv, "svg .cut") >= 1 and count(drv, "svg .cds") >= 1
    assert ranked_rows(drv) == 3
    assert "MT-ND4" in drv.find_element(By.TAG_NAME, "h1").text
    # a download through the page's link lands in the browser's download folder
    link = drv.find_element(By.LINK_TEXT, "designs.tsv")
    expected = drv.execute_script("return fetch(arguments[0]).then(r => r.text())", link.get_attribute("href"))
    link.click()
    target = downloads / "designs.tsv"
    WebDriverWait(drv, 60).until(lambda d: target.is_file() and not list(downloads.glob("*.crdownload")))
    text = target.read_text()
    assert text == expected and text.startswith("#")
    assert len([ln for ln in text.splitlines() if ln and not ln.startswith("#")]) == 1 + 3


def test_base_edit_form_to_report(server: str, browser: Any, tmp_path: Path) -> None:
    drv = browser
    drv.get(server + "/new/base-edit")
    fill(drv, "target", "chrM:3243:A>G")
    fill(drv, "top", "2")
    untick(drv, "offtarget")
    drv.find_element(By.ID, "submit").click()
    wait_for_result(drv)
    drv.save_screenshot(str(tmp_path / "base-edit-report.png"))
    assert count(drv, "svg.locus") >= 1 and count(drv, "svg .mk.target, svg .mk.edit") >= 1
    assert count(drv, "svg.profile") >= 1  # the efficiency profile
    names = [a.text for a in drv.find_elements(By.CSS_SELECTOR, "#downloads a.dl")]
    assert {"designs.tsv", "designs.json", "report.html", "window_view.txt"} <= set(names)


def test_bad_gene_shows_the_one_line_error(server: str, browser: Any) -> None:
    drv = browser
    drv.get(server + "/new/knockout")
    fill(drv, "target", "MT-ND44")
    untick(drv, "specificity")
    drv.find_element(By.ID, "submit").click()
    state = wait_until_finished(drv)
    assert state.startswith("error: "), state
    msg = drv.find_element(By.ID, "error").text
    assert "MT-ND4" in msg and "Traceback" not in msg
    assert drv.find_element(By.ID, "status").text.startswith("failed")
    # a request the API refuses (400) shows its message on the form; nothing is queued
    drv.get(server + "/new/knockout")
    fill(drv, "target", "")
    drv.find_element(By.ID, "submit").click()
    WebDriverWait(drv, 30).until(lambda d: d.find_element(By.ID, "error").text)
    assert "no target" in drv.find_element(By.ID, "error").text and "/new/knockout" in drv.current_url


def test_report_file_renders_offline(server: str, browser: Any, tmp_path: Path) -> None:
    """A report opened from disk (file://) draws its locus and its table sorts, with no network."""
    from taleforge.cli import main

    report = tmp_path / "nd4.html"
    try:
        main(["design", "MT-ND4", "--top", "4", "--no-specificity", "--out", str(tmp_path / "nd4.tsv"),
              "--html", str(report)])
    except SystemExit as exc:
        assert not exc.code
    drv = browser
    drv.get(report.as_uri())
    WebDriverWait(drv, 30).until(ec.presence_of_element_located((By.CSS_SELECTOR, "svg.locus")))
    assert count(drv, "svg.locus .arm.left") >= 1 and count(drv, "svg.locus .cut") >= 1
    # the drawing has a real size (laid out, not an empty box)
    w = drv.execute_script("return document.querySelector('svg.locus').getBoundingClientRect().width")
    assert w > 100
    assert drv.execute_script("return performance.getEntriesByType('resource').length") == 0
    # the inline script sorts the ranked table by a column click
    col = drv.execute_script(RANKED + "return Array.from(t.tHead.rows[0].cells).findIndex(h => h.textContent.trim()==='rank');")
    assert col >= 0
    th = drv.execute_script(RANKED + "return t.tHead.rows[0].cells[arguments[0]];", col)
    th.click()
    th.click()  # second click: descending
    ranks = drv.execute_script(RANKED + "return Array.from(t.tBodies[0].rows).map(r => r.cells[arguments[0]].textContent);", col)
    assert ranks == sorted(ranks, key=int, reverse=True) and len(ranks) == 4
    drv.save_screenshot(str(tmp_path / "report-offline.png"))
