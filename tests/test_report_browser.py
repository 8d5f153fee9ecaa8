"""The sweep report, end to end, as a reader sees it: a small sweep, ``python -m
experiments.report`` on it, and ``report.html`` opened in headless Chromium.

The checks read the rendered page, not the HTML text: a script appended to a copy of the
report waits for the window's ``load`` event (by then every image has loaded or failed),
collects what the browser shows -- title, headings, each image's decoded size and whether
it was drawn in full, each table's size, rows and cell text -- and writes it as JSON into a
``<pre>``; Chromium's ``--dump-dom`` hands the page back and the tests parse that JSON. A
negative control corrupts one embedded figure (garbled, or cut short) and checks that the
same image check reports it as broken.

Chromium is looked up in ``$STOCKLAB_CHROMIUM`` and then on PATH (``chromium``,
``chromium-browser``, ``google-chrome``, ...); ``make test`` installs Debian's ``chromium``
with apt-get when run as root. Without a browser these tests are skipped, saying why.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHORT, run_cli

pytestmark = pytest.mark.cli

#: Browser executables tried on PATH, in order, when $STOCKLAB_CHROMIUM is not set.
CHROMIUM_NAMES = (
    "chromium",
    "chromium-browser",
    "google-chrome",
    "google-chrome-stable",
    "chromium-headless-shell",
)
#: Two configurations (one with a forecast-driven policy, so forecast accuracy is plotted)
#: in two scenarios (lead time 1 and 2): two KPI tables, four figures per scenario.
# base-stock and a forecast-driven contender (a forecaster beside base-stock is refused)
SWEEP = ["contender=base_stock,naive", "network.lead_time=1,2"]
CONFIGURATIONS = ("contender=base_stock", "contender=naive")
#: cost vs fill rate, cost breakdown, per-SKU fill rates, trajectories, accuracy vs cost
FIGURES_PER_SCENARIO = 5
BROWSER_TIMEOUT_S = 60
FACTS_ID = "stocklab-rendered-facts"

#: Runs after the page has loaded and records what the browser rendered. ``bottomRow`` is
#: the share of an image's last pixel row that got painted when drawn to a canvas: the
#: report's figures have opaque backgrounds, so 0 means the image data stopped short (a
#: truncated PNG still loads, and shows its top part only).
PROBE = """
<script>
window.addEventListener("load", () => {
  const text = (el) => el.innerText.trim();
  const bottomRow = (img) => {
    if (!img.naturalWidth || !img.naturalHeight) return 0;
    try {
      const canvas = document.createElement("canvas");
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext("2d");
      context.drawImage(img, 0, 0);
      const row = context.getImageData(0, canvas.height - 1, canvas.width, 1).data;
      let painted = 0;
      for (let i = 3; i < row.length; i += 4) if (row[i] > 0) painted += 1;
      return painted / canvas.width;
    } catch (error) {
      return String(error);
    }
  };
  const facts = {
    title: document.title,
    headings: [...document.querySelectorAll("h1, h2, h3")].map((h) => ({
      level: Number(h.tagName[1]),
      text: text(h),
    })),
    images: [...document.images].map((img) => ({
      alt: img.alt,
      complete: img.complete,
      naturalWidth: img.naturalWidth,
      naturalHeight: img.naturalHeight,
      shownWidth: img.getBoundingClientRect().width,
      bottomRow: bottomRow(img),
    })),
    tables: [...document.querySelectorAll("table")].map((table) => ({
      shownHeight: table.getBoundingClientRect().height,
      headers: [...table.querySelectorAll("thead th")].map(text),
      rows: [...table.querySelectorAll("tbody tr")].map((tr) =>
        [...tr.querySelectorAll("td")].map(text)),
    })),
    rowCount: document.querySelectorAll("tr").length,
  };
  const out = document.createElement("pre");
  out.id = "FACTS_ID";
  out.textContent = JSON.stringify(facts);
  document.body.appendChild(out);
});
</script>
""".replace("FACTS_ID", FACTS_ID)


def find_chromium() -> str | None:
    """The browser to use: ``$STOCKLAB_CHROMIUM`` if set, else the first name on PATH."""
    chosen = os.environ.get("STOCKLAB_CHROMIUM")
    if chosen:
        found = shutil.which(chosen)
        if found is None:
            pytest.fail(f"STOCKLAB_CHROMIUM(={chosen!r}) is not an executable browser")
        return found
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        pytest.skip(
            "no Chromium found (set STOCKLAB_CHROMIUM or install one; as root, `make test` "
            f"installs Debian's chromium): looked for {', '.join(CHROMIUM_NAMES)} on PATH"
        )
    return found


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    """A small sweep and its report, both through the command line; the report.html path."""
    sweep = tmp_path_factory.mktemp("browser_sweep")
    proc = run_cli(["-m", *SWEEP, *SHORT, f"hydra.sweep.dir={sweep}"])
    assert proc.returncode == 0, proc.stderr
    assert "4 ok, 0 failed, 0 missing" in proc.stdout
    proc = subprocess.run(
        [sys.executable, "-m", "experiments.report", str(sweep)],
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    page = sweep / "report.html"
    assert page.exists() and (sweep / "report.md").exists()
    return page


def render(browser: str, page: Path, work: Path) -> dict:
    """Open a copy of ``page`` (with the probe appended) in headless Chromium and return
    the facts the probe collected from the rendered page."""
    work.mkdir(parents=True, exist_ok=True)
    source = page.read_text(encoding="utf-8")
    assert "</body>" in source, "report.html has no </body>"
    probed = work / "probed.html"
    probed.write_text(source.replace("</body>", PROBE + "</body>", 1), encoding="utf-8")
    command = [
        browser,
        "--headless",
        "--no-sandbox",  # needed as root (CI); the page is our own file
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-extensions",
        "--disable-component-update",
        "--disable-default-apps",
        "--disable-sync",
        "--no-first-run",
        "--no-default-browser-check",
        "--mute-audio",
        "--window-size=1280,2000",
        f"--user-data-dir={work / 'profile'}",
        "--virtual-time-budget=10000",
        "--dump-dom",
        probed.as_uri(),
    ]
    # A session of its own, so that on a time-out the browser's helpers go with it.
    proc = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env=dict(os.environ, HOME=str(work)),
    )
    try:
        dom, errors = proc.communicate(timeout=BROWSER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"{browser} did not render {probed} within {BROWSER_TIMEOUT_S} s")
    tail = "\n".join(errors.strip().splitlines()[-15:])
    assert proc.returncode == 0, f"{browser} exited with {proc.returncode}:\n{tail}"
    match = re.search(rf'<pre id="{FACTS_ID}">(.*?)</pre>', dom, re.DOTALL)
    assert match, f"the page did not finish loading in {browser} (no probe output):\n{tail}"
    return json.loads(html.unescape(match.group(1)))


def broken_images(facts: dict) -> list[str]:
    """The images the browser could not show in full, each as ``alt: why``."""
    broken = []
    for img in facts["images"]:
        if not img["complete"] or img["naturalWidth"] == 0 or img["naturalHeight"] == 0:
            broken.append(f"{img['alt']}: did not load")
        elif not isinstance(img["bottomRow"], int | float):
            broken.append(f"{img['alt']}: could not be drawn ({img['bottomRow']})")
        elif img["bottomRow"] == 0:
            broken.append(f"{img['alt']}: drawn only in part (its data stops short)")
    return broken


def kpi_tables(facts: dict) -> list[dict]:
    """The ranked KPI tables: those headed by rank, configuration and cost."""
    return [
        t
        for t in facts["tables"]
        if t["headers"][:3] == ["rank", "configuration", "cost_per_period"]
    ]


@pytest.fixture(scope="module")
def facts(chromium, report, tmp_path_factory) -> dict:
    return render(chromium, report, tmp_path_factory.mktemp("render"))


def test_report_opens_with_its_title_and_sections(facts, report):
    assert facts["title"] == "Stocklab report"
    headings = [(h["level"], h["text"]) for h in facts["headings"]]
    # the title says what was swept (contenders, and the scenario key that varies)
    assert headings[0] == (
        1,
        "contender=base_stock, naive on network=warehouse, 2 scenarios (network.lead_time=1, 2)",
    )
    scenarios = [t for level, t in headings if level == 2 and t.startswith("Scenario:")]
    assert len(scenarios) == 2
    assert any("network.lead_time=1" in s for s in scenarios)
    assert any("network.lead_time=2" in s for s in scenarios)
    assert sum(t.startswith("Paired differences") for _, t in headings) == 2
    assert (2, "Reproduce") in headings


def test_every_figure_loads_and_is_shown(facts, report):
    files = list((report.parent / "figures").glob("figure_*.png"))
    assert len(facts["images"]) == len(files) >= 2 * FIGURES_PER_SCENARIO
    assert broken_images(facts) == []
    for img in facts["images"]:
        assert img["shownWidth"] > 0, f"figure {img['alt']!r} takes no space on the page"
    alts = [img["alt"] for img in facts["images"]]
    assert alts.count("forecast accuracy vs cost") == 2  # one per scenario


def test_tables_show_rows_and_every_configuration(facts):
    assert len(facts["tables"]) >= 4  # a KPI and a paired-differences table per scenario
    for table in facts["tables"]:
        assert table["headers"] and table["rows"], f"empty table: {table}"
        assert table["shownHeight"] > 0, f"table {table['headers']} takes no space on the page"
        for row in table["rows"]:
            assert len(row) == len(table["headers"]), f"ragged row {row} in {table['headers']}"
    assert facts["rowCount"] > len(facts["tables"])
    tables = kpi_tables(facts)
    assert len(tables) == 2, [t["headers"] for t in facts["tables"]]
    for table in tables:
        assert "forecast_mae" in table["headers"]
        assert [row[0] for row in table["rows"]] == ["1", "2"]
        assert sorted(row[1] for row in table["rows"]) == list(CONFIGURATIONS)
        for row in table["rows"]:
            assert "±" in row[2], f"cost cell {row[2]!r} has no confidence interval"


def garble_header(payload: str) -> str:
    """The PNG signature and header overwritten: the image cannot be decoded at all."""
    return "A" * 64 + payload[64:]


def truncate(payload: str) -> str:
    """The second half of the data cut off (still valid base64): the image loads but shows
    its top part only."""
    return payload[: len(payload) // 8 * 4]


@pytest.mark.parametrize("corrupt", [garble_header, truncate])
def test_a_corrupted_figure_is_reported_broken(chromium, report, tmp_path, corrupt):
    """Negative control: the image check must fail on a page with one broken figure."""
    source = report.read_text(encoding="utf-8")
    marker = "data:image/png;base64,"
    start = source.index(marker) + len(marker)
    end = source.index('"', start)
    broken = tmp_path / "broken" / "report.html"
    broken.parent.mkdir()
    broken.write_text(source[:start] + corrupt(source[start:end]) + source[end:], encoding="utf-8")
    facts = render(chromium, broken, tmp_path / "render")
    assert len(facts["images"]) == source.count(marker)
    found = broken_images(facts)
    assert len(found) == 1 and found[0].startswith(facts["images"][0]["alt"] + ":"), found
