"""The web app's HTTP API (``taleforge serve``) with Starlette's TestClient: every job type end to
end (knockout, base-edit and offtarget on the built-in genome, correct and knockin on a synthetic
nuclear genome in a ``--genomes`` folder), files identical to the CLI's, the job life cycle
(queue, cancel, restart, expiry) and the attacks (foreign genomes, traversal, Host/Origin,
oversized or malformed uploads, a token off loopback)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra is not installed (pip install '.[web]')")
pytest.importorskip("httpx", reason="the web extra is not installed (pip install '.[web]')")

from fastapi.testclient import TestClient

from taleforge.cli import main
from taleforge.web.app import ServerConfig, create_app
from taleforge.web.jobs import FILE_OUTPUTS, NOT_SERVED, REGISTRY_JOB, GenomeSet
from taleforge.web.store import JobStore
from tests.test_donor_cli import _gff3
from tests.test_donor_synthetic import CONTIG, make_gene
from tests.test_knockin import egfp_like

BASE = "http://127.0.0.1:8765"
MITO = "builtin:hg38-chrM"
FINISHED = ("done", "failed", "cancelled")


@pytest.fixture(scope="module")
def genomes_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    """A --genomes folder with a synthetic nuclear gene (SYN1) and its GFF3 (same stem)."""
    d = tmp_path_factory.mktemp("genomes")
    seq, tx = make_gene(11, "+")
    (d / "syn.fa").write_text(f">{CONTIG}\n{seq}\n")
    (d / "syn.gff3").write_text(_gff3(tx))
    pos = tx.genomic_pos(80 * 3 - 2)
    ref = seq[pos]
    alt = {"A": "C", "C": "A", "G": "T", "T": "G"}[ref]
    return d, f"{CONTIG}:{pos + 1}:{ref}>{alt}", seq


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The workers start from this module's environment: the suite's temp caches."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TALEFORGE_CACHE", str(tmp_path_factory.getbasetemp() / "tf-cache"))
        yield


@pytest.fixture(scope="module")
def client(env: None, tmp_path_factory: pytest.TempPathFactory,
           genomes_dir: tuple[Path, str, str]) -> Iterator[TestClient]:
    cfg = ServerConfig(state_dir=tmp_path_factory.mktemp("web-state"), workers=2,
                       genomes=GenomeSet(genomes_dir[0], use_registry=False), max_upload_bytes=200_000)
    with TestClient(create_app(cfg), base_url=BASE) as c:
        yield c


def wait(c: TestClient, jid: str, timeout_s: float = 600, **kw: Any) -> dict[str, Any]:
    t0 = time.monotonic()
    while True:
        st = c.get(f"/api/jobs/{jid}", **kw).json()
        if st["status"] in FINISHED:
            return st
        assert time.monotonic() - t0 < timeout_s, st  # a hung job, not a timing check
        time.sleep(0.2)


def submit(c: TestClient, **body: Any) -> str:
    r = c.post("/api/jobs", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def run(c: TestClient, **body: Any) -> dict[str, Any]:
    st = wait(c, submit(c, **body))
    assert st["status"] == "done", st
    return st


def cli(args: list[str]) -> None:
    try:
        main(args)
    except SystemExit as exc:
        assert not exc.code, exc.code


def same_but_command(web: str, mine: str) -> None:
    """Two JSON texts equal except the provenance command."""
    a, b = json.loads(web), json.loads(mine)
    assert a["provenance"]["command"].startswith("taleforge serve: taleforge ")
    a["provenance"]["command"] = b["provenance"]["command"] = ""
    assert a == b


# --------------------------------------------------------------------------------------
# every job end to end
# --------------------------------------------------------------------------------------
def test_knockout_files_are_the_clis(client: TestClient, tmp_path: Path) -> None:
    st = run(client, job="knockout", target="MT-ND4", genome=MITO, options={"top": 3, "specificity": False})
    jid = st["id"]
    assert st["files"] == ["designs.bed", "designs.gff3", "designs.json", "designs.tsv", "report.html"]
    assert st["command"] == "taleforge serve: taleforge design MT-ND4 --genome builtin:hg38-chrM --no-specificity --top 3"
    cli(["design", "MT-ND4", "--top", "3", "--no-specificity", "--out", str(tmp_path / "d.tsv"),
         "--json", str(tmp_path / "d.json"), "--bed", str(tmp_path / "d.bed"),
         "--gff3", str(tmp_path / "d.gff3"), "--html", str(tmp_path / "d.html")])
    for ext in ("tsv", "bed", "gff3"):
        assert client.get(f"/api/jobs/{jid}/files/designs.{ext}").text == (tmp_path / f"d.{ext}").read_text()
    res = client.get(f"/api/jobs/{jid}/result.json")
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/json")
    same_but_command(res.text, (tmp_path / "d.json").read_text())
    assert len(json.loads(res.text)["designs"]) == 3
    report = client.get(f"/api/jobs/{jid}/files/report.html").text
    mine = (tmp_path / "d.html").read_text()
    cmd_web, cmd_cli = json.loads(res.text)["provenance"]["command"], json.loads((tmp_path / "d.json").read_text())["provenance"]["command"]
    from taleforge.io.html.svg import esc

    assert report.replace(f"<code>{esc(cmd_web)}</code>", "") == mine.replace(f"<code>{esc(cmd_cli)}</code>", "")
    # the result page is that report with a downloads bar
    page = client.get(f"/jobs/{jid}")
    assert page.status_code == 200 and "<svg" in page.text and 'id="downloads"' in page.text
    assert f'/api/jobs/{jid}/files/designs.tsv' in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")


def test_base_edit_on_the_builtin_genome(client: TestClient) -> None:
    st = run(client, job="base-edit", target="", genome="builtin-mito",
             options={"position": 3243, "to": "G", "top": 2, "offtarget": False})
    assert st["genome"] == MITO  # the alias names the built-in
    assert {"designs.tsv", "designs.json", "report.html", "window_view.txt", "window_table.tsv"} <= set(st["files"])
    data = client.get(f"/api/jobs/{st['id']}/result.json").json()
    assert data["job"] == "base-edit" and 1 <= len(data["designs"]) <= 2
    assert all(d["editor"].startswith("TALED") for d in data["designs"])  # A>G is a TALED edit


def test_offtarget_of_a_designed_pair(client: TestClient) -> None:
    ko = run(client, job="knockout", target="MT-ND4", genome=MITO, options={"top": 1, "specificity": False})
    d = client.get(f"/api/jobs/{ko['id']}/result.json").json()["designs"][0]
    left, right = d["left_rvds"], d["right_rvds"]
    st = run(client, job="offtarget", target=f"{left} / {right}", genome=MITO, options={"top": 5})
    assert st["files"] == ["offtarget.bed", "offtarget.json", "offtarget.tsv", "report.html"]
    data = client.get(f"/api/jobs/{st['id']}/result.json").json()
    assert data["job"] == "offtarget"
    # the designed pair's own site is found: one L/R pair with 0 mismatches (the on-target)
    assert data["counts"]["pairs_by_mismatches"]["L/R"][0] == 1


def test_correct_and_knockin_on_a_nuclear_genome_folder(client: TestClient, genomes_dir: tuple[Path, str, str]) -> None:
    listed = {g["id"]: g for g in client.get("/api/genomes").json()["genomes"]}
    assert listed["dir:syn.fa"]["annotation"] is True and MITO in listed
    _, variant, _ = genomes_dir
    st = run(client, job="correct", target=variant, genome="dir:syn.fa",
             options={"model": "tale-nt", "specificity": False, "designs": 2})
    assert st["files"] == ["correction.fa", "correction.gb", "correction.json", "report.html"]
    assert "dir:syn.fa" in st["command"] and str(genomes_dir[0]) not in st["command"]
    data = client.get(f"/api/jobs/{st['id']}/result.json").json()
    assert data["job"] == "correction" and data["transcripts"] == ["TX1"]  # the GFF3 beside the FASTA
    cargo = ">egfp\n" + egfp_like().seq + "\n"
    st = run(client, job="knockin", target="SYN1", genome="dir:syn.fa",
             options={"exon": 2, "in_frame": True, "2a": "T2A", "arm": 300, "model": "tale-nt",
                      "specificity": False},
             uploads={"cargo": {"name": "egfp.fa", "text": cargo}})
    assert {"knockin.gb", "knockin.json", "knockin.fa", "report.html"} <= set(st["files"])
    gb = client.get(f"/api/jobs/{st['id']}/files/knockin.gb").text
    assert "EGRGSLLTCGDVEENPGP" in gb.replace("\n", "").replace(" ", "")  # the T2A, translated


def test_correct_from_an_uploaded_sequence(client: TestClient, genomes_dir: tuple[Path, str, str]) -> None:
    _, variant, seq = genomes_dir
    pos = int(variant.split(":")[1])
    alt = variant.split(">")[1]
    cur = seq[: pos - 1] + alt + seq[pos:]  # the cells' allele
    st = run(client, job="correct", target="", genome=MITO,
             options={"position": pos, "to": seq[pos - 1], "model": "tale-nt", "designs": 1},
             uploads={"sequence": {"name": "allele.fa", "text": f">allele\n{cur}\n"}})
    assert "--sequence sequence.fa" in st["command"] and "--genome" not in st["command"]
    assert client.get(f"/api/jobs/{st['id']}/result.json").json()["position"] == pos


def test_hdr_jobs_on_mitochondria_fail_with_the_clis_line(client: TestClient) -> None:
    st = wait(client, submit(client, job="correct", target="chrM:3243:A>G", genome=MITO,
                             options={"specificity": False}))
    assert st["status"] == "failed" and st["files"] == []
    assert "homology-directed repair" in st["error"] and "taleforge base-edit" in st["error"]
    assert "\n" not in st["error"] and "Traceback" not in st["error"]
    assert client.get(f"/api/jobs/{st['id']}/result.json").status_code == 409


def test_unknown_gene_fails_with_one_line(client: TestClient) -> None:
    st = wait(client, submit(client, job="knockout", target="MT-ND44", genome=MITO,
                             options={"specificity": False}))
    assert st["status"] == "failed" and "MT-ND4" in st["error"] and "\n" not in st["error"]


def test_every_output_format_is_served() -> None:
    """Each registry format of a file job is written by the web job or listed with a reason."""
    from taleforge.io.registry import writers

    for job, outs in FILE_OUTPUTS.items():
        fmts = {w.fmt for w in writers(REGISTRY_JOB[job])}
        assert fmts == set(outs) | {f for j, f in NOT_SERVED if j == job}, job


def test_the_forms_carry_the_clis_defaults_and_help(client: TestClient) -> None:
    for job in ("knockout", "base-edit", "offtarget", "correct", "knockin"):
        r = client.get(f"/new/{job}")
        assert r.status_code == 200 and 'id="jobform"' in r.text
        assert "builtin:hg38-chrM" in r.text and "dir:syn.fa" in r.text
    ko = client.get("/new/knockout").text
    assert "Number of designs to report (default: 20)" in ko and 'name="specificity"' in ko
    assert 'type="file" name="cargo"' in client.get("/new/knockin").text
    assert client.get("/new/nothing").status_code == 404


# --------------------------------------------------------------------------------------
# the job life cycle
# --------------------------------------------------------------------------------------
def _store_client(root: Path, workers: int = 1, **kw: Any) -> TestClient:
    cfg = ServerConfig(state_dir=root, workers=workers, genomes=GenomeSet(use_registry=False), **kw)
    return TestClient(create_app(cfg), base_url=BASE)


def test_queue_cancel_restart_and_expiry(env: None, tmp_path: Path) -> None:
    body = {"job": "knockout", "target": "MT-ND4", "genome": MITO, "options": {"top": 1, "specificity": False}}
    with _store_client(tmp_path) as c:
        a, b, x = submit(c, **body), submit(c, **body), submit(c, **body)
        st_x = c.get(f"/api/jobs/{x}").json()
        assert st_x["status"] == "queued" and st_x["queue_position"] is not None  # one worker: a waits-free, b and x wait
        r = c.post(f"/api/jobs/{x}/cancel")
        assert r.status_code == 200 and r.json()["status"] == "cancelled"
        assert c.post(f"/api/jobs/{x}/cancel").status_code == 409
        sa, sb = wait(c, a), wait(c, b)
        assert sa["status"] == sb["status"] == "done"
        assert sb["started"] >= sa["finished"]  # one worker: b ran after a
        # identical requests give byte-identical files (the provenance command names no job id)
        assert sa["files"] == sb["files"]
        for name in sa["files"]:
            assert c.get(f"/api/jobs/{a}/files/{name}").content == c.get(f"/api/jobs/{b}/files/{name}").content, name
        report = c.get(f"/api/jobs/{a}/files/report.html").text
        assert "http://" not in report and "https://" not in report  # nothing from the network
        # cancelling a running job terminates its worker; the next job gets a fresh one
        y = submit(c, job="knockout", target="MT-ND4", genome=MITO, options={"top": 2})
        c.delete(f"/api/jobs/{y}")
        st_y = wait(c, y)
        assert st_y["status"] in ("cancelled", "done")
        if st_y["status"] == "cancelled":
            assert not (tmp_path / "jobs" / y / "files").exists()
        assert wait(c, submit(c, **body))["status"] == "done"
        listed = [j["id"] for j in c.get("/api/jobs").json()["jobs"]]
        assert a in listed and b in listed
    # a restart keeps finished jobs and their files
    with _store_client(tmp_path) as c:
        assert c.get(f"/api/jobs/{a}").json()["status"] == "done"
        assert c.get(f"/api/jobs/{a}/files/designs.tsv").status_code == 200
        assert c.get(f"/api/jobs/{x}").json()["status"] == "cancelled"
    # a job left queued (the server stopped before it ran) runs after the restart
    store = JobStore(tmp_path, workers=1)
    store.jobs_dir.mkdir(parents=True, exist_ok=True)
    from taleforge.web.jobs import prepare

    q = store.submit(prepare(body, GenomeSet(use_registry=False), max_upload_bytes=1000))
    with _store_client(tmp_path) as c:
        assert wait(c, q)["status"] == "done"
        # expiry: finished jobs older than the retention are deleted
        st = c.app.state.jobs  # type: ignore[attr-defined]
        gone = st.expire(now=time.time() + st.retention_s + 1)
        assert a in gone and q in gone and not (tmp_path / "jobs" / a).exists()
        assert c.get(f"/api/jobs/{a}").status_code == 404


# --------------------------------------------------------------------------------------
# attacks and bad input
# --------------------------------------------------------------------------------------
def _post(c: TestClient, body: Any, **kw: Any) -> Any:
    return c.post("/api/jobs", json=body, **kw)


@pytest.mark.parametrize("genome", ["/etc/passwd", "../../etc/passwd", "file:///etc/passwd", "dir:../syn.fa",
                                    "dir:/etc/passwd", "syn.fa", "", "builtin:nope"])
def test_genomes_outside_the_allowed_set_are_refused(client: TestClient, genome: str) -> None:
    r = _post(client, {"job": "knockout", "target": "MT-ND4", "genome": genome})
    assert r.status_code == 400, r.text
    assert "genome" in r.json()["error"] and "\n" not in r.json()["error"]


def test_symlinks_out_of_the_genomes_folder_are_not_offered(tmp_path: Path) -> None:
    (tmp_path / "g").mkdir()
    outside = tmp_path / "secret.fa"
    outside.write_text(">s\nACGT\n")
    os.symlink(outside, tmp_path / "g" / "link.fa")
    (tmp_path / "g" / "ok.fa").write_text(">a\nACGTACGT\n")
    ids = [c.id for c in GenomeSet(tmp_path / "g", use_registry=False).choices()]
    assert "dir:ok.fa" in ids and "dir:link.fa" not in ids


@pytest.mark.parametrize("options, needle", [
    ({"out": "/tmp/x.tsv"}, "--out is not accepted"),
    ({"annotation": "/etc/passwd"}, "--annotation is not accepted"),
    ({"sequence": "/etc/passwd"}, "--sequence is not accepted"),
    ({"genome": "/etc/passwd"}, "--genome is not accepted"),
    ({"offtarget_genome": "/etc/passwd"}, "genome '/etc/passwd' is not one of"),
    ({"top": "many"}, "Invalid value for '--top'"),
    ({"topp": 3}, "no such option for knockout: --topp"),
    ({"specificity": "yes"}, "is a switch"),
    ({"transcript": "a\nb"}, "not one line"),
    ({"scaffold": ["a", "b"]}, "takes one value"),
])
def test_bad_options_are_one_line_400s(client: TestClient, options: dict[str, Any], needle: str) -> None:
    r = _post(client, {"job": "knockout", "target": "MT-ND4", "genome": MITO, "options": options})
    assert r.status_code == 400, r.text
    msg = r.json()["error"]
    assert needle in msg and "\n" not in msg and "Traceback" not in msg


def test_bad_requests(client: TestClient) -> None:
    assert _post(client, {"job": "hack", "genome": MITO}).json()["error"].startswith("unknown job 'hack'")
    assert _post(client, ["not", "an", "object"]).status_code == 400
    assert _post(client, {"job": "knockout", "genome": MITO, "extra": 1}).status_code == 400
    assert "no target" in _post(client, {"job": "knockout", "target": "", "genome": MITO}).json()["error"]
    r = client.post("/api/jobs", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]
    # an HTML form post (what another site could make a browser send) is not JSON: refused
    r = client.post("/api/jobs", data={"job": "knockout", "target": "MT-ND4", "genome": MITO})
    assert r.status_code == 415
    assert "a knock-in needs a cargo" in _post(client, {"job": "knockin", "target": "SYN1", "genome": "dir:syn.fa"}).json()["error"]


def test_uploads_are_limited_and_validated(client: TestClient) -> None:
    base = {"job": "knockin", "target": "SYN1", "genome": "dir:syn.fa", "options": {"exon": 2, "in_frame": True}}
    big = ">c\n" + "ACGT" * 60_000 + "\n"  # 240 kB > the 200 kB limit of this server
    r = _post(client, {**base, "uploads": {"cargo": {"name": "c.fa", "text": big}}})
    assert r.status_code == 400 and "over the limit" in r.json()["error"]
    r = _post(client, {**base, "uploads": {"cargo": {"name": "c.fa", "text": "this is not a sequence"}}})
    assert r.status_code == 400 and r.json()["error"].startswith("upload 'cargo'")
    r = _post(client, {**base, "uploads": {"cargo": {"name": "c.fa", "text": ">p\nMVSKGEELFTGVVPILVELDGDVNGHKF\n"}}})
    assert r.status_code == 400 and r.json()["error"].startswith("upload 'cargo'")
    r = _post(client, {**base, "uploads": {"../../etc/passwd": {"name": "x", "text": ">a\nACGT\n"}}})
    assert r.status_code == 400 and "takes no" in r.json()["error"]
    r = _post(client, {"job": "correct", "genome": MITO, "options": {"position": 3, "to": "A"},
                       "uploads": {"sequence": {"name": "s.fa", "text": ">a\nACGT\n>b\nACGT\n"}}})
    assert r.status_code == 400 and "2 records" in r.json()["error"]
    # a body over the cap is refused before it is read
    r = client.post("/api/jobs", content=b"x" * 10, headers={"content-type": "application/json",
                                                             "content-length": str(10**9)})
    assert r.status_code == 413
    # ... and so is one streamed without a Content-Length (chunked)
    def chunks() -> Iterator[bytes]:
        for _ in range(20):
            yield b"x" * 50_000

    r = client.post("/api/jobs", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


@pytest.fixture(scope="module")
def done_job(client: TestClient) -> str:
    return str(run(client, job="knockout", target="MT-ND4", genome=MITO, options={"top": 1, "specificity": False})["id"])


@pytest.mark.parametrize("name", ["../job.json", "..%2Fjob.json", "%2e%2e%2fjob.json", "....//job.json",
                                  "..", "%2e%2e", "log.txt", "../inputs/cargo.fa", "..%252Fjob.json",
                                  "designs.tsv%00.html", "/etc/passwd", "%2Fetc%2Fpasswd"])
def test_file_names_cannot_leave_the_job(client: TestClient, done_job: str, name: str) -> None:
    r = client.get(f"/api/jobs/{done_job}/files/{name}")
    if "/files/" in r.url.path:  # (the client itself resolves a bare '..' to the job's status)
        assert r.status_code in (400, 404), (name, r.status_code)
    assert "root:" not in r.text and '"argv"' not in r.text


def test_symlinked_outputs_are_not_served(client: TestClient, done_job: str) -> None:
    assert client.get(f"/api/jobs/{done_job}/files/designs.tsv").status_code == 200
    st = run(client, job="knockout", target="MT-ND4", genome=MITO, options={"top": 1, "specificity": False})
    jobs = client.app.state.jobs  # type: ignore[attr-defined]
    f = jobs.jobs_dir / st["id"] / "files" / "designs.bed"
    f.unlink()
    os.symlink("/etc/passwd", f)
    r = client.get(f"/api/jobs/{st['id']}/files/designs.bed")
    assert r.status_code == 404 and "root:" not in r.text


@pytest.mark.parametrize("jid", ["../../etc", "x", "A" * 200, "..%2F..%2Fetc", "%2e%2e"])
def test_bad_job_ids(client: TestClient, jid: str) -> None:
    for url in (f"/api/jobs/{jid}", f"/api/jobs/{jid}/result.json", f"/api/jobs/{jid}/files/report.html"):
        r = client.get(url)
        assert r.status_code == 404, (url, r.status_code)
        assert "Traceback" not in r.text


def test_ids_are_unguessable(client: TestClient) -> None:
    ids = {submit(client, job="knockout", target="MT-ND4", genome=MITO, options={"top": 1, "specificity": False})
           for _ in range(3)}
    assert len(ids) == 3 and all(len(i) >= 24 for i in ids)
    for i in ids:
        wait(client, i)


def test_host_and_origin_checks(client: TestClient) -> None:
    # DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends Host: evil.example
    r = client.get("/api/jobs", headers={"host": "evil.example:8765"})
    assert r.status_code == 403 and "not this server" in r.json()["error"]
    assert client.get("/", headers={"host": "localhost:8765"}).status_code == 200
    body = {"job": "knockout", "target": "MT-ND4", "genome": MITO}
    r = _post(client, body, headers={"origin": "http://evil.example"})
    assert r.status_code == 403 and "cross-site" in r.json()["error"]
    r = _post(client, body, headers={"origin": "null"})
    assert r.status_code == 403
    r = _post(client, body, headers={"sec-fetch-site": "cross-site"})
    assert r.status_code == 403
    r = _post(client, body, headers={"origin": "http://127.0.0.1:9999"})
    assert r.status_code == 403  # another local port is another site
    assert client.options("/api/jobs", headers={"origin": "http://evil.example"}).status_code == 405
    r = _post(client, {**body, "options": {"top": 1, "specificity": False}}, headers={"origin": BASE})
    assert r.status_code == 201
    wait(client, r.json()["id"])


def test_errors_never_show_a_traceback(client: TestClient) -> None:
    for r in (client.get("/nope"), client.put("/api/jobs"), client.get("/api/jobs/x/files/")):
        assert r.status_code in (404, 405)
        assert "error" in r.json() and "Traceback" not in r.text


def test_token_required_off_loopback(env: None, tmp_path: Path) -> None:
    token = "t0ken-" + "x" * 20
    cfg = ServerConfig(state_dir=tmp_path, workers=1, host="192.0.2.10", token=token,
                       genomes=GenomeSet(use_registry=False))
    with TestClient(create_app(cfg), base_url="http://192.0.2.10:8765") as c:
        assert c.get("/api/jobs").status_code == 401
        assert c.get("/api/jobs", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/jobs", headers={"authorization": f"Bearer {token}"}).status_code == 200
        r = c.get(f"/?token={token}")
        assert r.status_code == 200 and "taleforge_token" in r.headers.get("set-cookie", "")
        assert "httponly" in r.headers["set-cookie"].lower()
        assert c.get("/api/jobs").status_code == 200  # the cookie now


def test_serve_refuses_a_public_address_without_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as ei:
        main(["serve", "--host", "0.0.0.0"])
    assert ei.value.code == 2
    err = capsys.readouterr().err
    assert "--allow-remote" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as ei:
        main(["serve", "--genomes", "/nonexistent-folder"])
    assert ei.value.code == 2 and "is not a folder" in capsys.readouterr().err


def test_remote_mode_same_origin_posts(env: None, tmp_path: Path) -> None:
    """Off loopback the token guards; a post from the page's own origin (any host name) works,
    one from another origin does not."""
    token = "t0ken-" + "y" * 20
    cfg = ServerConfig(state_dir=tmp_path, workers=1, host="0.0.0.0", token=token,
                       genomes=GenomeSet(use_registry=False))
    hdr = {"authorization": f"Bearer {token}"}
    body = {"job": "knockout", "target": "MT-ND4", "genome": MITO, "options": {"top": 1, "specificity": False}}
    with TestClient(create_app(cfg), base_url="http://lab-server.example:8765") as c:
        r = c.post("/api/jobs", json=body, headers={**hdr, "origin": "http://lab-server.example:8765"})
        assert r.status_code == 201, r.text
        r2 = c.post("/api/jobs", json=body, headers={**hdr, "origin": "http://evil.example:8765"})
        assert r2.status_code == 403
        assert wait(c, r.json()["id"], headers=hdr)["status"] == "done"


def test_progress_file(tmp_path: Path) -> None:
    from taleforge.web.worker import ProgressFile

    p = ProgressFile(tmp_path / "progress.json", interval_s=3600)
    p("specificity scan", 5, 10)
    first = json.loads((tmp_path / "progress.json").read_text())
    assert first == {"task": "specificity scan", "done": 5, "total": 10, "fraction": 0.5}
    p("specificity scan", 6, 10)  # throttled
    assert json.loads((tmp_path / "progress.json").read_text()) == first
    p("specificity scan", 10, 10)  # a finished task is always written
    assert json.loads((tmp_path / "progress.json").read_text())["fraction"] == 1.0


def test_taleforge_serve_starts_and_serves(tmp_path: Path) -> None:
    """The real command: `taleforge serve` on a free port answers the start page and the API."""
    import signal
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "TALEFORGE_CACHE": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-c", "from taleforge.cli import main; main()", "serve",
                             "--port", str(port), "--state", str(tmp_path / "state"), "--workers", "1"],
                            env=env, stderr=subprocess.PIPE, text=True)
    try:
        t0 = time.monotonic()
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/genomes", timeout=5)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() - t0 < 120, "the server did not start"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json()["genomes"][0]["id"] == MITO
        assert "TALEN knockout" in httpx.get(f"http://127.0.0.1:{port}/").text
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    err = proc.stderr.read() if proc.stderr else ""
    assert f"open http://127.0.0.1:{port}/" in err and "Traceback" not in err


def test_registered_genomes_are_offered(tmp_path: Path, genomes_dir: tuple[Path, str, str]) -> None:
    """A genome added with `taleforge genome add` is offered by name and designs like the CLI's."""
    from taleforge.genome import registry

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TALEFORGE_CACHE", str(tmp_path / "cache"))
        registry.add_genome("synreg", genomes_dir[0] / "syn.fa", annotation=genomes_dir[0] / "syn.gff3")
        cfg = ServerConfig(state_dir=tmp_path / "state", workers=1, genomes=GenomeSet())
        with TestClient(create_app(cfg), base_url=BASE) as c:
            listed = {g["id"]: g["kind"] for g in c.get("/api/genomes").json()["genomes"]}
            assert listed.get("synreg") == "registry"
            st = run(c, job="knockout", target="SYN1", genome="synreg", options={"top": 2, "specificity": False})
            assert "--genome synreg" in st["command"]
            data = c.get(f"/api/jobs/{st['id']}/result.json").json()
            assert data["target"]["gene"] == "SYN1" and len(data["designs"]) == 2
