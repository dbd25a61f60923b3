"""End to end: the batch on a private overlay that holds names puts none of them in build/."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from odas_analysis import disclosure
from odas_analysis.cli import build_parser
from odas_analysis.fieldwork import demo


@pytest.mark.slow
def test_batch_with_a_named_overlay_publishes_no_name(tmp_path):
    try:
        build_parser().parse_args(["run", "--list"])
    except SystemExit:
        pytest.skip("the batch command (odas-analysis run) is not there yet")
    overlay = demo.write_fake_overlay(tmp_path / "private", n_names=60)
    env = {**os.environ, "ODAS_PRIVATE_DATA": str(overlay)}
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "odas_analysis.cli",
            "run",
            "--only",
            "hypothese-H3",
            "--out",
            str(out),
            "--force",
            "--jobs",
            "1",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    pages = list((out / "build").rglob("*.html"))
    assert pages
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "données simulées" in text  # the overlay's rows are still synthetic: pages say so
    assert str(overlay) not in text  # the private directory is not printed either
    report = disclosure.check_build(out / "build", extra_dirs=[out / "figures", out / "tables"], private_dir=overlay)
    assert report.names_checked == 60 and report.files_checked > 0
    # The check is live: a leaked name in the same build fails it.
    leaked = (overlay / "participant_names.csv").read_text(encoding="utf-8").splitlines()[5].split(",")[1]
    pages[0].write_text(pages[0].read_text(encoding="utf-8") + f"<p>{leaked}</p>", encoding="utf-8")
    with pytest.raises(disclosure.DisclosureError, match="p0005"):
        disclosure.check_build(out / "build", extra_dirs=[], private_dir=overlay)
