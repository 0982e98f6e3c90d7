"""The HTML report as a reader sees it: rendered by a real headless browser (Debian's chromium).

CI installs chromium where it is missing and sets ``BAYES_SCALING_REQUIRE_BROWSER=1``, so that there the
test fails rather than skips without a browser. The screenshot of the top of the page is kept in
``.ci/artifacts/report_top.png`` (or ``$BAYES_SCALING_ARTIFACTS``)."""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

import bayes_scaling as bs
from bayes_scaling.report import write_report

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTH = 1280
#: measured in the page once it has loaded: images that did not decode, and the page's width against the window's
PROBE = """<script>window.addEventListener('load', () => {
  const imgs = [...document.images];
  const root = document.documentElement;
  document.title = 'PROBE' + JSON.stringify({images: imgs.length,
    broken: imgs.filter(i => !i.complete || i.naturalWidth === 0).map(i => i.alt),
    scroll: root.scrollWidth, window: window.innerWidth,
    first: [...document.body.children].slice(0, 6).map(e => e.tagName + '.' + (e.className || ''))});
});</script>"""


def _chromium(*args: str) -> str:
    cmd = [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           f"--window-size={WIDTH},1000", "--virtual-time-budget=10000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=True).stdout


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    if BROWSER is None:
        if os.environ.get("BAYES_SCALING_REQUIRE_BROWSER"):
            pytest.fail("no chromium on PATH, and BAYES_SCALING_REQUIRE_BROWSER is set (.ci/run installs it)")
        pytest.skip("no chromium on PATH (CI installs Debian's chromium and runs this test)")
    fit = bs.fit(bs.load_example(), x="samples", y="val_ppl", random_seed=1, draws=400)
    out = write_report(fit, tmp_path_factory.mktemp("report"), target=105, overwrite=True)
    return out / "report.html"


def test_report_renders_with_every_image_and_no_horizontal_overflow(page, tmp_path):
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom = _chromium("--dump-dom", probed.as_uri())
    found = re.search(r"<title>PROBE(\{.*?\})</title>", dom)
    assert found, dom[:500]
    seen = json.loads(found.group(1).replace("&quot;", '"'))
    assert seen["images"] == page.read_text().count("<img ") >= 8 and seen["broken"] == [], seen
    assert seen["window"] == WIDTH and seen["scroll"] <= WIDTH, seen  # nothing sticks out at 1280 px
    # the answer first: title, the fit, the headline, the forecast fan, then the tables
    first = [e for e in seen["first"] if e != "UL.warn"]  # the grouped warnings sit under the headline
    assert first[:4] == ["H1.", "P.", "DIV.headline", "FIGURE.lead"], seen


def test_screenshot_of_the_top_of_the_report_is_kept(page):
    where = Path(os.environ.get("BAYES_SCALING_ARTIFACTS", Path(__file__).parent.parent / ".ci" / "artifacts"))
    where.mkdir(parents=True, exist_ok=True)
    shot = where / "report_top.png"
    shot.unlink(missing_ok=True)
    _chromium(f"--screenshot={shot}", page.as_uri())
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000  # a real picture, not a blank page
