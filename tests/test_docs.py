"""The documentation site builds in strict mode, with pictures drawn by the package."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def test_docs_site_builds_strict(tmp_path):
    site = tmp_path / "site"
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    pages = {p.parent.name for p in site.glob("*/index.html")}
    assert {"model", "comparison", "forecasting", "decisions", "surfaces", "cli", "api", "benchmarks"} <= pages
    api = (site / "api" / "index.html").read_text()
    for name in ("samples_needed", "p_floor_lower", "write_report", "pooled_model", "plot_diagnostics",
                 "compute_optimal", "plot_isoloss"):
        assert name in api, name
    # every picture the pages show was drawn during this build by the package (docs/hooks.py)
    refs = [ref for page in site.glob("**/*.html")
            for ref in re.findall(r'src="(?:\.\./)*images/([\w.]+\.png)"', page.read_text())]
    assert len(set(refs)) == 12  # 8 of curves, 4 of surfaces
    for ref in refs:
        assert (site / "images" / ref).stat().st_size > 5000, ref
