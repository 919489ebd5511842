"""`discl fetch` against a loopback web site (http.server in a thread on 127.0.0.1; no internet): an
年报 index among site navigation, report pages made by discl's renderer (UTF-8 and GBK), a page whose
report is a PDF attachment, a redirect, a 404, a 500 that succeeds on retry, a slow page, an oversized
file, robots.txt, a file:// link and a link to another port."""
from __future__ import annotations

import http.server
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from discl.cli import app
from discl.fetch import Client, FetchSettings, Scope, Target, fetch
from discl.render import random_spec, render_html, render_pdf

runner = CliRunner()
REPO = Path(__file__).resolve().parents[1]
AGENCY = "淮安市洪泽区人民政府"
FAST = ["--rate", "200", "--timeout", "0.4", "--retries", "1", "--backoff", "0.01", "--max-mb", "1"]


class Site:
    """A loopback web site: ``routes`` maps a path to ``(status, headers, body)`` or a callable giving
    them; every request is logged as ``(path, monotonic time, headers)``."""

    def __init__(self, routes: dict):
        self.routes = routes
        self.log: list[tuple[str, float, dict]] = []
        self.hits: dict[str, int] = {}
        site = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                site.log.append((self.path, time.monotonic(), dict(self.headers)))
                site.hits[self.path] = site.hits.get(self.path, 0) + 1
                route = site.routes.get(self.path)
                if route is None:
                    status, headers, body = 404, {"Content-Type": "text/html"}, b"<h1>not found</h1>"
                else:
                    status, headers, body = route(self) if callable(route) else route
                if body is None:  # the handler wrote the response itself
                    return
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "Content-Length" not in headers and not headers.get("_no_length"):
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout, too large): expected here

            def log_message(self, *args):  # quiet
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def _html(body: bytes | str, etag: str | None = None, charset: str = "utf-8"):
    data = body.encode("utf-8") if isinstance(body, str) else body
    headers = {"Content-Type": f"text/html; charset={charset}" if charset else "text/html"}
    if etag:
        headers["ETag"] = etag
    return 200, headers, data


def _spec(year: int):
    return random_spec(random.Random(year), year=year, agency=AGENCY)


@pytest.fixture
def site(tmp_path):
    other = Site({"/x.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 other port")})
    pdf = render_pdf(_spec(2023), tmp_path / "r2023.pdf").read_bytes()
    flaky = {"n": 0}

    def page_2024(_h):
        flaky["n"] += 1
        if flaky["n"] == 1:
            return 500, {"Content-Type": "text/html"}, b"<h1>busy</h1>"
        page = render_html(_spec(2024), chrome=True).replace(
            '</div>\n<div class="footer">', '<p>附件：<a href="/files/huge.pdf">统计表.pdf</a></p></div>\n<div class="footer">')
        assert "huge.pdf" in page
        return _html(page)

    def slow(_h):
        time.sleep(0.9)
        return _html("<h1>late</h1>")

    def huge(h):  # no Content-Length: the limit must hold while reading
        h.send_response(200)
        h.send_header("Content-Type", "application/pdf")
        h.end_headers()
        try:
            for _ in range(40):
                h.wfile.write(b"%" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass
        return 200, {}, None

    index_etag = '"nb-v1"'

    def index(h):
        if h.headers.get("If-None-Match") == index_etag:
            return 304, {"ETag": index_etag}, b""
        return _html(INDEX, etag=index_etag)

    wrapper = ('<html><head><meta charset="utf-8"><title>2023年报</title></head><body>'
               '<div class="nav"><a href="/">首页</a><a href="/guide.pdf">办事指南.pdf</a></div>'
               f'<div class="TRS_Editor"><h1>{AGENCY}2023年政府信息公开工作年度报告</h1>'
               '<p>全文见附件：<a href="/files/2023.pdf">2023年年报.pdf</a></p>'
               '<p><a href="file:///etc/passwd">附件二.pdf</a></p>'
               f'<p><a href="http://127.0.0.1:{other.port}/x.pdf">镜像.pdf</a></p></div></body></html>')
    INDEX = ('<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body>'
             '<div class="nav"><a href="/">首页</a> <a href="/nb/">政府信息公开年报</a> '
             '<a href="/zwgk/">政务公开</a></div><div class="sidebar"><a href="/news/1.html">关于开展2023年工作的通知</a></div>'
             '<ul class="list">'
             f'<li><a href="/nb/2019.html">{AGENCY}2019年政府信息公开工作年度报告</a></li>'
             f'<li><a href="/old/2020.html">{AGENCY}2020年政府信息公开工作年度报告</a></li>'
             f'<li><a href="2021.html">{AGENCY}2021年政府信息公开工作年度报告</a></li>'
             f'<li><a href="2022.html">{AGENCY}2022年政府信息公开工作年度报告</a></li>'
             f'<li><a href="2023.html">{AGENCY}2023年政府信息公开工作年度报告</a></li>'
             f'<li><a href="2024.html">{AGENCY}2024年政府信息公开工作年度报告</a></li>'
             f'<li><a href="slow.html">{AGENCY}2025年政府信息公开工作年度报告</a></li>'
             f'<li><a href="2018.html">{AGENCY}2018年政府信息公开工作年度报告</a></li>'
             '<li><a href="/private/2022.html">内部2022年政府信息公开工作年度报告</a></li>'
             '</ul></body></html>')
    gbk = render_html(_spec(2022), encoding="gb18030", chrome=True)
    routes = {
        "/robots.txt": (200, {"Content-Type": "text/plain"}, b"User-agent: *\nDisallow: /private/\n"),
        "/nb/": index,
        "/old/2020.html": (301, {"Location": "/nb/2020.html"}, b""),
        "/nb/2020.html": _html(render_html(_spec(2020), chrome=True)),
        "/nb/2021.html": _html(render_html(_spec(2021), chrome=True)),
        "/nb/2022.html": _html(gbk, charset=""),  # no charset header: the page's <meta> says gb2312
        "/nb/2023.html": _html(wrapper),
        "/files/2023.pdf": (200, {"Content-Type": "application/pdf"}, pdf),
        "/nb/2024.html": page_2024,
        "/files/huge.pdf": huge,
        "/nb/slow.html": slow,
        "/nb/2018.html": _html(render_html(_spec(2018))),
        "/private/2022.html": _html("<h1>private</h1>"),
        "/guide.pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 guide"),
    }
    s = Site(routes)
    s.other, s.gbk, s.pdf = other, gbk, pdf
    yield s
    s.close()
    other.close()


def _fetch(*args: str):
    res = runner.invoke(app, ["fetch", *args])
    assert "Traceback" not in res.output, res.output
    return res


def _rows(out: Path) -> dict[str, dict]:
    df = pd.read_parquet(out / "downloads.parquet")
    assert df["url"].is_unique
    return {r["url"]: r for r in df.to_dict("records")}


def test_an_index_page_gives_every_report_and_attachment_once_with_a_provenance_row(site, tmp_path):
    out = tmp_path / "fetched"
    res = _fetch(site.url("/nb/"), "--index", "--years", "2019-2025", "--out", str(out), *FAST)
    assert res.exit_code == 1, res.output  # some URLs failed (on purpose)
    rows = _rows(out)
    u = site.url
    ok = {u("/nb/"), u("/old/2020.html"), u("/nb/2021.html"), u("/nb/2022.html"), u("/nb/2023.html"),
          u("/files/2023.pdf"), u("/nb/2024.html")}
    failed = {u("/nb/2019.html"): "http_404", u("/nb/slow.html"): "timeout", u("/files/huge.pdf"): "too_large",
              u("/private/2022.html"): "robots_disallowed", "file:///etc/passwd": "unsupported_scheme",
              site.other.url("/x.pdf"): "local_address"}
    assert set(rows) == ok | set(failed)
    for url in ok:
        r = rows[url]
        assert pd.isna(r["error"]) and r["status"] == 200, (url, r["error"], r["detail"])
        data = (out / r["path"]).read_bytes()
        assert len(data) == r["bytes"] and r["sha256"] == __import__("hashlib").sha256(data).hexdigest()
        assert r["retrieved_at"].tzinfo is not None and str(r["retrieved_at"].tz) == "UTC"
    for url, reason in failed.items():
        assert rows[url]["error"] == reason and pd.isna(rows[url]["path"]), (url, rows[url]["error"])
        assert rows[url]["detail"]
    assert rows[u("/nb/2019.html")]["status"] == 404
    # the redirect: the URL asked, the URL served, the name of what was served
    r2020 = rows[u("/old/2020.html")]
    assert r2020["final_url"] == u("/nb/2020.html") and r2020["path"].endswith("nb/2020.html")
    # GBK page saved byte for byte; the PDF beside its page, with the page as referrer
    assert (out / rows[u("/nb/2022.html")]["path"]).read_bytes() == site.gbk
    assert (out / rows[u("/files/2023.pdf")]["path"]).read_bytes() == site.pdf
    assert rows[u("/files/2023.pdf")]["referrer"] == u("/nb/2023.html")
    assert rows[u("/files/2023.pdf")]["kind"] == "attachment" and rows[u("/nb/").rstrip("/") + "/"]["kind"] == "index"
    assert rows[u("/nb/2021.html")]["referrer"] == u("/nb/")
    assert rows[u("/nb/")]["path"].startswith("_index/"), "index pages are kept apart from the reports"
    # never asked: robots-disallowed path, the other port, navigation links, the year filtered out
    for path in ("/private/2022.html", "/guide.pdf", "/nb/2018.html", "/news/1.html", "/zwgk/"):
        assert path not in site.hits, path
    assert site.other.hits == {}
    # retries: the 500 once then success, the slow page twice (retries=1), everything else once
    assert site.hits["/nb/2024.html"] == 2 and site.hits["/nb/slow.html"] == 2
    assert all(n == 1 for p, n in site.hits.items() if p not in ("/nb/2024.html", "/nb/slow.html")), site.hits
    assert site.log[0][0] == "/robots.txt" and "discl/" in site.log[0][2]["User-Agent"]
    # the CSV twin holds the same rows
    csv = pd.read_csv(out / "downloads.csv", encoding="utf-8-sig")
    assert set(csv["url"]) == set(rows) and csv["retrieved_at"].str.endswith("Z").all()
    assert "total: 13 URLs — 7 fetched, 0 unchanged, 0 fetched before, 6 failed" in res.output
    assert not (out / ".discl-fetch" / "journal.jsonl").exists()


def test_a_rerun_skips_what_was_fetched_and_asks_again_for_the_index_conditionally(site, tmp_path):
    out = tmp_path / "fetched"
    args = [site.url("/nb/"), "--index", "--years", "2019-2025", "--out", str(out), *FAST]
    _fetch(*args)
    first = _rows(out)
    n = len(site.log)
    res = _fetch(*args)
    assert res.exit_code == 1
    again = site.log[n:]
    asked = [p for p, _, _ in again]
    # the index asked with its ETag (304: not downloaded again); fetched pages and files not asked at all
    index_req = [h for p, _, h in again if p == "/nb/"]
    assert len(index_req) == 1 and index_req[0].get("If-None-Match") == '"nb-v1"'
    for p in ("/old/2020.html", "/nb/2020.html", "/nb/2021.html", "/nb/2022.html", "/nb/2023.html",
              "/files/2023.pdf", "/nb/2024.html"):
        assert p not in asked, p
    # failures are tried again
    assert "/nb/2019.html" in asked and "/nb/slow.html" in asked
    rows = _rows(out)
    assert set(rows) == set(first)
    assert rows[site.url("/nb/2021.html")]["retrieved_at"] == first[site.url("/nb/2021.html")]["retrieved_at"]
    assert "1 unchanged, 6 fetched before, 6 failed" in res.output


def test_a_killed_run_resumes_without_asking_again(site, tmp_path):
    out = tmp_path / "fetched"
    urls = tmp_path / "urls.txt"
    paths = ["/nb/2020.html", "/nb/2021.html", "/nb/2022.html", "/files/2023.pdf", "/nb/2018.html"]
    urls.write_text("# one report per line\n" + "\n".join(site.url(p) for p in paths) + "\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "discl.cli", "fetch", str(urls), "--out", str(out),
                             "--rate", "4", "--timeout", "2"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    journal = out / ".discl-fetch" / "journal.jsonl"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if journal.exists() and len(journal.read_text(encoding="utf-8").splitlines()) >= 2:
            break
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = {p for p in paths if site.hits.get(p)}
    assert 2 <= len(done_before) < len(paths), "the kill came too late to test resuming"
    assert not (out / "downloads.parquet").exists()
    n = len(site.log)
    res = _fetch(str(urls), "--out", str(out), *FAST)
    assert res.exit_code == 0, res.output
    asked = {p for p, _, _ in site.log[n:]}
    journaled = {p for p in done_before if p not in asked}
    assert len(journaled) >= 2, "what the killed run finished was asked again"
    rows = _rows(out)
    assert {site.url(p) for p in paths} == set(rows)
    assert all(pd.isna(r["error"]) and (out / r["path"]).is_file() for r in rows.values())
    assert not list(out.rglob("*.part-*")), "a half-written file was left"


def test_requests_to_one_host_keep_the_rate(site, tmp_path):
    out = tmp_path / "fetched"
    urls = [site.url(p) for p in ("/nb/2020.html", "/nb/2021.html", "/nb/2022.html", "/files/2023.pdf")]
    t0 = time.monotonic()
    res = _fetch(*urls, "--out", str(out), "--rate", "5", "--timeout", "2")
    assert res.exit_code == 0, res.output
    times = [t for _, t, _ in site.log]
    assert len(times) == 5  # robots.txt and the four
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.2 - 0.02, gaps
    assert time.monotonic() - t0 >= 0.8 - 0.05


def test_no_redirect_to_another_scheme_and_no_local_address_from_a_public_start(site, tmp_path):
    site.routes["/to-file"] = (302, {"Location": "file:///etc/passwd"}, b"")
    site.routes["/to-other"] = (302, {"Location": site.other.url("/x.pdf")}, b"")
    client = Client(FetchSettings(rate=200, timeout=1, retries=0))
    try:
        scope = Scope.for_start(site.url("/"))
        r1 = client.get(site.url("/to-file"), scope)
        r2 = client.get(site.url("/to-other"), scope)
        r3 = client.get(site.url("/nb/2021.html"), Scope())  # a start URL that was not local
    finally:
        client.close()
    assert (r1.error, r2.error, r3.error) == ("redirect_unsupported_scheme", "redirect_local_address", "local_address")
    assert r1.final_url == "file:///etc/passwd"
    assert site.other.hits == {} and "/nb/2021.html" not in site.hits


def test_ignore_robots_and_a_start_url_that_is_not_http(site, tmp_path):
    out = tmp_path / "fetched"
    res = _fetch(site.url("/private/2022.html"), "file:///etc/passwd", "--out", str(out), "--ignore-robots", *FAST)
    rows = _rows(out)
    assert res.exit_code == 1
    assert pd.isna(rows[site.url("/private/2022.html")]["error"]) and "/robots.txt" not in site.hits
    assert rows["file:///etc/passwd"]["error"] == "unsupported_scheme"


def test_usage_errors_exit_2(tmp_path):
    assert _fetch("no-such-file.txt", "--out", str(tmp_path / "o")).exit_code == 2
    assert _fetch("http://127.0.0.1:9/", "--index", "--years", "2025-2019", "--out", str(tmp_path / "o")).exit_code == 2
    assert _fetch("http://127.0.0.1:9/", "--years", "2021", "--out", str(tmp_path / "o")).exit_code == 2
    assert _fetch("http://127.0.0.1:9/", "--rate", "0", "--out", str(tmp_path / "o")).exit_code == 2


def _figures(out: Path) -> pd.DataFrame:
    reports = pd.read_parquet(out / "reports.parquet")
    values = pd.read_parquet(out / "values.parquet")
    v = values.merge(reports[["report_id", "sha256", "year"]], on="report_id")
    return (v[["sha256", "year", "table", "row", "col", "value", "raw"]]
            .sort_values(["sha256", "table", "row", "col"]).reset_index(drop=True))


def test_fetch_ingest_gives_the_figures_of_ingesting_the_files_with_source_url(site, tmp_path):
    out, ds, direct = tmp_path / "fetched", tmp_path / "dataset", tmp_path / "direct"
    res = _fetch(site.url("/nb/"), "--index", "--years", "2020-2023", "--out", str(out), "--ingest", str(ds), *FAST)
    # 1: the refused links of the 2023 page and the robots-disallowed page; every report was read
    assert res.exit_code == 1 and "3 failed" in res.output and "4 files — 4 ok" in res.output, res.output
    res = runner.invoke(app, ["ingest", str(out), "--out", str(direct), "--workers", "1"])
    assert "Traceback" not in res.output
    via_fetch, by_hand = _figures(ds), _figures(direct)
    assert len(via_fetch) > 100
    pd.testing.assert_frame_equal(via_fetch, by_hand)
    reports = pd.read_parquet(ds / "reports.parquet")
    assert reports["status"].eq("ok").all(), reports[["path", "status", "error"]]
    assert sorted(reports["year"]) == [2020, 2021, 2022, 2023]  # the wrapper page of 2023 is not a report
    rows = _rows(out)
    want = {os.path.abspath(out / r["path"]): r["final_url"] for r in rows.values() if isinstance(r["path"], str)}
    assert {os.path.abspath(p): u for p, u in zip(reports["path"], reports["source_url"])} == \
        {os.path.abspath(p): want[os.path.abspath(p)] for p in reports["path"]}
    assert reports["source_url"].str.startswith(site.url("/")).all()
    assert reports["retrieved_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    # ingesting the fetch folder by hand takes the URLs from downloads.parquet too
    hand = pd.read_parquet(direct / "reports.parquet")
    ok = hand[hand["status"] == "ok"]
    assert ok["source_url"].notna().all() and len(ok) == 4


def test_ingest_of_a_fetch_folder_skips_index_pages_and_wrappers_by_their_role(site, tmp_path):
    out, direct = tmp_path / "fetched", tmp_path / "direct"
    _fetch(site.url("/nb/"), "--index", "--years", "2020-2023", "--out", str(out), *FAST)
    rows = _rows(out)
    u = site.url
    roles = {url: r["role"] for url, r in rows.items() if isinstance(r["path"], str)}
    assert roles == {u("/nb/"): "index", u("/old/2020.html"): "report", u("/nb/2021.html"): "report",
                     u("/nb/2022.html"): "report", u("/nb/2023.html"): "wrapper", u("/files/2023.pdf"): "attachment"}
    assert set(pd.read_csv(out / "downloads.csv", encoding="utf-8-sig")["role"].dropna()) == \
        {"index", "report", "wrapper", "attachment"}
    res = runner.invoke(app, ["ingest", str(out), "--out", str(direct), "--workers", "1"])
    assert res.exit_code == 0, res.output  # nothing read as a failed not_a_report
    lines = [ln for ln in res.output.splitlines() if "discl fetch recorded" in ln]
    assert lines == ["skipped 2 files discl fetch recorded as no report (1 index page, 1 page wrapping its "
                     "report's attachment; listed in downloads.parquet)"], res.output
    reports = pd.read_parquet(direct / "reports.parquet")
    assert len(reports) == 4 and reports["status"].eq("ok").all(), reports[["path", "status", "error_code"]]
    assert not reports["path"].str.contains("_index").any()
    assert "total: 4 files — 4 ok" in res.output
    # a folder fetched by a discl that recorded no role: its index pages are still known by their kind
    old = pd.read_parquet(out / "downloads.parquet").drop(columns="role")
    old.to_parquet(out / "downloads.parquet", index=False)
    res = runner.invoke(app, ["ingest", str(out), "--out", str(tmp_path / "older"), "--workers", "1"])
    assert "skipped 1 file discl fetch recorded as no report (1 index page;" in res.output, res.output
    # a re-fetch records the roles again
    _fetch(site.url("/nb/"), "--index", "--years", "2020-2023", "--out", str(out), *FAST)
    assert {url: r["role"] for url, r in _rows(out).items() if isinstance(r["path"], str)} == roles


def test_a_csv_of_urls_overrides_agency_and_year(site, tmp_path):
    out, ds = tmp_path / "fetched", tmp_path / "dataset"
    listing = tmp_path / "urls.csv"
    listing.write_text(f"url,agency,year\n{site.url('/nb/2021.html')},淮安市人民政府,2020\n"
                       f"{site.url('/nb/2022.html')},,\n", encoding="utf-8")
    res = _fetch(str(listing), "--out", str(out), "--ingest", str(ds), *FAST)
    assert res.exit_code == 0, res.output
    reports = pd.read_parquet(ds / "reports.parquet").sort_values("source_url")
    assert list(reports["agency"]) == ["淮安市人民政府", AGENCY]
    assert list(reports["year"]) == [2020, 2022]
    assert reports["region_code"].iloc[0] == "320800" and reports["level"].iloc[0] == "city"


def test_fetch_never_raises_on_a_server_that_is_down(tmp_path):
    s = Site({})
    url = s.url("/nb/2021.html")
    s.close()  # nothing listens there any more
    summary = fetch([Target(url)], tmp_path / "o", FetchSettings(rate=200, timeout=0.3, retries=1, backoff=0.01))
    rows = _rows(tmp_path / "o")
    assert summary.failed == 1 and rows[url]["error"] in ("robots_unreachable", "connection_error")



def test_refresh_asks_again_with_if_modified_since_and_keeps_an_unchanged_file(site, tmp_path):
    stamp = "Wed, 01 Jan 2025 00:00:00 GMT"
    body = render_html(_spec(2021)).encode("utf-8")

    def dated(h):
        if h.headers.get("If-Modified-Since") == stamp:
            return 304, {"Last-Modified": stamp}, b""
        return 200, {"Content-Type": "text/html; charset=utf-8", "Last-Modified": stamp}, body

    site.routes["/nb/dated.html"] = dated
    out = tmp_path / "fetched"
    assert _fetch(site.url("/nb/dated.html"), "--out", str(out), *FAST).exit_code == 0
    first = _rows(out)[site.url("/nb/dated.html")]
    assert first["last_modified"] == stamp
    assert "0 unchanged, 1 fetched before" in _fetch(site.url("/nb/dated.html"), "--out", str(out), *FAST).output
    assert site.hits["/nb/dated.html"] == 1
    res = _fetch(site.url("/nb/dated.html"), "--out", str(out), "--refresh", *FAST)
    assert res.exit_code == 0 and "1 unchanged" in res.output, res.output
    assert site.log[-1][2].get("If-Modified-Since") == stamp
    assert (out / first["path"]).read_bytes() == body
