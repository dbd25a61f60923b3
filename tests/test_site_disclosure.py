"""Small counts planted in a private overlay never reach the site page's tables.

A fake private overlay (the demonstration records plus invented names) is edited so that
Angers has one phase-4 workshop with one participant. Every count of the site's tables
must then be masked: in the DataFrames, in the exported CSV and Markdown, in the HTML the
notebook displays and, end to end, in the batch's files for ``site-angers``.
"""

from __future__ import annotations

import csv
import html
import io
import os
import re
import subprocess
import sys

import pandas as pd
import pytest

from odas_analysis import config, disclosure, export, fieldwork
from odas_analysis.fieldwork import demo
from odas_analysis.tables import site as site_tables

SITE = "angers"
PLANTED_ROWS = ("Participants de la phase 4", "Ateliers et visites de la phase 4")


def plant_one_participant_phase(overlay, site: str = SITE, phase: int = 4) -> None:
    """Keep one interview of ``site`` in ``phase``, with one participant (records stay consistent)."""
    interviews = pd.read_csv(overlay / "interviews.csv", dtype=str, keep_default_na=False)
    participants = pd.read_csv(overlay / "participants.csv", dtype=str, keep_default_na=False)
    segments = pd.read_csv(overlay / "coded_segments.csv", dtype=str, keep_default_na=False)
    in_phase = interviews[(interviews["site_id"] == site) & (interviews["phase"] == str(phase))]
    kept, dropped = in_phase["interview_id"].iloc[0], set(in_phase["interview_id"].iloc[1:])
    speaker = participants.loc[participants["interview_id"] == kept, "participant_id"].iloc[0]
    gone = set(participants.loc[participants["interview_id"].isin(dropped), "participant_id"])
    gone |= set(participants.loc[participants["interview_id"] == kept, "participant_id"]) - {speaker}
    interviews = interviews[~interviews["interview_id"].isin(dropped)].copy()
    interviews.loc[interviews["interview_id"] == kept, "n_participants"] = "1"
    participants = participants[~participants["participant_id"].isin(gone)]
    segments = segments[~segments["interview_id"].isin(dropped) & ~segments["participant_id"].isin(gone)]
    for name, frame in (("interviews", interviews), ("participants", participants), ("coded_segments", segments)):
        frame.to_csv(overlay / f"{name}.csv", index=False, lineterminator="\n")


@pytest.fixture()
def overlay(tmp_path, monkeypatch):
    path = demo.write_fake_overlay(tmp_path / "private", n_names=5)
    plant_one_participant_phase(path)
    monkeypatch.setenv(config.PRIVATE_DATA_ENV, str(path))
    fieldwork.clear_cache()
    yield path
    fieldwork.clear_cache()


def _allowed(cell: str, threshold: int) -> bool:
    """A published count: a mark, zero, or at least the threshold."""
    text = cell.strip()
    if text in {disclosure.primary_mark(threshold), disclosure.SECONDARY_MARK}:
        return True
    return text.isdigit() and (int(text) == 0 or int(text) >= threshold)


def test_the_planted_count_is_there_before_protection(overlay):
    summary = fieldwork.fieldwork_summary().set_index("site_id")
    assert summary.loc[SITE, "participants_phase_4"] == 1
    assert summary.loc[SITE, "entretiens_phase_4"] == 1


def test_fieldwork_table_masks_the_one_participant_phase(overlay):
    threshold = config.disclosure_threshold()
    table = site_tables.fieldwork_table(SITE)
    rows = table.set_index("Grandeur")
    for label in PLANTED_ROWS:
        assert rows.loc[label, "Site"] == disclosure.primary_mark(threshold)
    for column in ("Site", "Médiane des onze sites"):
        assert all(_allowed(str(v), threshold) for v in table[column]), table
    assert "anonymat" in table.attrs["note_fr"]


def test_exported_site_tables_hold_no_small_count(overlay, tmp_path):
    threshold = config.disclosure_threshold()
    export.configure(tmp_path / "out", run="site-angers")
    try:
        tables = {
            "terrain": (site_tables.fieldwork_table(SITE), ["Site", "Médiane des onze sites"]),
            "participants": (site_tables.participants_table(SITE), ["Participants"]),
            "participants-phase-4": (site_tables.participants_table(SITE, phase=4), ["Participants"]),
        }
        for name, (frame, counts) in tables.items():
            paths = export.table(frame, name, caption=frame.attrs["note_fr"], show=False)
            data = pd.read_csv(paths["csv"], dtype=str, comment="#", keep_default_na=False)
            for column in counts:
                assert all(_allowed(v, threshold) for v in data[column]), (name, column, list(data[column]))
            page = export.table_html(frame)
            for label in PLANTED_ROWS if name == "terrain" else ():
                cell = re.search(rf"<td>{re.escape(html.escape(label))}</td><td[^>]*>([^<]*)</td>", page)
                assert cell is not None and _allowed(html.unescape(cell.group(1)), threshold), page
            markdown = paths["md"].read_text(encoding="utf-8")
            for label in PLANTED_ROWS if name == "terrain" else ():
                line = next(ln for ln in markdown.splitlines() if ln.startswith(f"| {label} |"))
                assert _allowed(line.split("|")[2], threshold), line
    finally:
        export.configure()


@pytest.mark.slow
def test_batch_site_page_publishes_no_small_count(overlay, tmp_path):
    """End to end: the site notebook run by the batch on the planted overlay."""
    threshold = config.disclosure_threshold()
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "odas_analysis.cli", "run", "--only", f"site-{SITE}", "--out", str(out)]
        + ["--force", "--jobs", "1"],
        env={**os.environ, config.PRIVATE_DATA_ENV: str(overlay)},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    terrain = (out / "tables" / f"site-{SITE}" / "terrain.csv").read_text(encoding="utf-8")
    rows = {r[0]: r for r in csv.reader(io.StringIO(terrain)) if r and not r[0].startswith("#")}
    for label in PLANTED_ROWS:
        assert rows[label][1] == disclosure.primary_mark(threshold), rows[label]
    pages = [p for p in (out / "build").rglob("*.html") if f"site-{SITE}" in p.name]
    assert pages
    for page in pages:
        text = page.read_text(encoding="utf-8")
        for label in PLANTED_ROWS:
            found = re.findall(rf"<td>{re.escape(html.escape(label))}</td>\s*<td[^>]*>([^<]*)</td>", text)
            assert found and all(_allowed(html.unescape(v), threshold) for v in found), (page.name, label, found)
