"""Screenshots of the web app for the README (docs/img/web-*.png), taken the way a person
uses it: headless Chromium fills the knockout form for MT-ND4 and the base-edit form for
m.3243A>G on the built-in genome (default options), waits for the reports and captures them.

    python scripts/web_screenshots.py [--out docs/img]

Needs the web extra and Debian's chromium + chromium-driver. Jobs and caches go to a
temporary folder."""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "img")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="tf-shots-"))
    os.environ["TALEFORGE_CACHE"] = str(tmp / "cache")
    import uvicorn
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from taleforge.web.app import ServerConfig, create_app
    from taleforge.web.jobs import GenomeSet

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    cfg = ServerConfig(state_dir=tmp / "state", port=port, workers=2, genomes=GenomeSet(use_registry=False))
    srv = uvicorn.Server(uvicorn.Config(create_app(cfg), host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    while not srv.started:
        time.sleep(0.05)
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1200,1500",
              "--hide-scrollbars"):
        opts.add_argument(a)
    drv = webdriver.Chrome(service=webdriver.ChromeService(shutil.which("chromedriver")), options=opts)
    base = f"http://127.0.0.1:{port}"
    args.out.mkdir(parents=True, exist_ok=True)

    def run(job: str, fields: dict[str, str], shot: str, form_shot: str | None = None) -> None:
        drv.get(f"{base}/new/{job}")
        for name, value in fields.items():
            el = drv.find_element(By.NAME, name)
            el.clear()
            el.send_keys(value)
        if form_shot:
            drv.save_screenshot(str(args.out / form_shot))
        drv.find_element(By.ID, "submit").click()
        WebDriverWait(drv, 900, poll_frequency=0.5).until(
            lambda d: d.find_elements(By.ID, "downloads") or d.find_element(By.ID, "error").text)
        if not drv.find_elements(By.ID, "downloads"):
            raise SystemExit(f"{job} failed: {drv.find_element(By.ID, 'error').text}")
        drv.save_screenshot(str(args.out / shot))
        print(f"wrote {args.out / shot}", file=sys.stderr)

    try:
        run("knockout", {"target": "MT-ND4", "top": "5"}, "web-knockout-report.png", "web-knockout-form.png")
        run("base-edit", {"target": "", "position": "3243", "to": "G", "top": "5"}, "web-base-edit-report.png")
    finally:
        drv.quit()
        srv.should_exit = True
        th.join(timeout=30)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
