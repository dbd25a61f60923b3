"""Disclosure control: small counts, publishable fields, names in the rendered outputs."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from odas_analysis import disclosure, fieldwork
from odas_analysis.cli import main
from odas_analysis.disclosure import DisclosureError
from odas_analysis.errors import ParameterError
from odas_analysis.fieldwork import demo

# --- small counts -------------------------------------------------------------------------


def _assert_no_equation_reveals(mask: pd.DataFrame) -> None:
    """Every row and column of the published table has 0 or at least 2 masked entries."""
    hidden = mask.to_numpy() != ""
    for line in itertools.chain(hidden, hidden.T):
        assert line.sum() != 1, mask


def test_single_column_primary_and_secondary_suppression():
    t = pd.DataFrame({"site": ["a", "b", "c"], "n": [10, 2, 7]})
    out = disclosure.protect_counts(t, ["n"])
    assert list(out["site"]) == ["a", "b", "c", "Total"]
    assert list(out["n"]) == ["10", "< 3", "s", "19"]
    assert out.attrs["disclosure"] == {"threshold": 3, "primary": 1, "secondary": 1}
    assert "« < 3 »" in out.attrs["note_fr"] and "« s »" in out.attrs["note_fr"]


def test_two_way_table_secondary_suppression_protects_every_line():
    t = pd.DataFrame({"site": list("abcd"), "x": [10, 2, 7, 8], "y": [5, 6, 1, 9], "z": [0, 4, 9, 12]})
    mask = disclosure.suppression_mask(t, ["x", "y", "z"])
    assert mask.loc[1, "x"] == "primary" and mask.loc[2, "y"] == "primary"
    _assert_no_equation_reveals(mask)
    out = disclosure.protect_counts(t, ["x", "y", "z"])
    assert out.loc[4, "Total"] == str(t[["x", "y", "z"]].to_numpy().sum())
    assert out.loc[0, "z"] == "0"  # zeros are shown by default


@pytest.mark.parametrize("seed", range(20))
def test_random_tables_never_leave_one_masked_cell_alone(seed):
    rng = np.random.default_rng(seed)
    t = pd.DataFrame(rng.integers(0, 8, size=(int(rng.integers(2, 7)), int(rng.integers(1, 5)))))
    t.columns = [f"c{k}" for k in t.columns]
    mask = disclosure.suppression_mask(t, list(t.columns))
    if t.shape[1] == 1:  # no total column: only the column equation
        assert (mask.to_numpy() != "").sum() != 1
    else:
        _assert_no_equation_reveals(mask)
    raw = t.to_numpy()
    assert ((mask.to_numpy()[: len(t), : t.shape[1]] == "primary") == ((raw > 0) & (raw < 3))).all()


def test_threshold_from_environment_and_parameter(monkeypatch):
    t = pd.DataFrame({"site": ["a", "b", "c"], "n": [4, 12, 9]})
    assert list(disclosure.protect_counts(t, ["n"], margins=False)["n"]) == ["4", "12", "9"]
    monkeypatch.setenv("ODAS_DISCLOSURE_THRESHOLD", "5")
    assert list(disclosure.protect_counts(t, ["n"], margins=False)["n"]) == ["< 5", "12", "9"]
    assert list(disclosure.protect_counts(t, ["n"], threshold=10, margins=False)["n"]) == ["< 10", "12", "< 10"]
    with pytest.raises(ParameterError):
        disclosure.protect_counts(t, ["n"], threshold=0)
    with pytest.raises(ParameterError):
        disclosure.protect_counts(t, ["missing"])


def test_group_small_categories_until_the_group_is_large_enough():
    t = pd.DataFrame({"cat": ["A", "B", "C", "D", "E"], "n": [12, 1, 0, 5, 30]})
    out = disclosure.group_small_categories(t, "cat", "n")
    assert list(out["cat"]) == ["A", "E", "Autres catégories (regroupées)"]
    assert list(out["n"]) == [12, 30, 6]
    assert out.attrs["grouped"] == ["B", "C", "D"]
    untouched = disclosure.group_small_categories(t.iloc[[0, 4]], "cat", "n")
    assert list(untouched["cat"]) == ["A", "E"] and untouched.attrs["note_fr"] == ""


def test_participants_table_of_the_demo_is_published_protected():
    raw = fieldwork.participants_by_group()
    counts = [c for c in raw.columns if c != "site_id"]
    out = disclosure.protect_counts(raw, counts)
    published = out[counts + ["Total"]].to_numpy()
    for value in published.ravel():
        assert value in {"< 3", "s"} or value == "0" or int(value) >= 3


# --- publishable fields --------------------------------------------------------------------


def test_free_text_and_quasi_identifiers_are_not_publishable():
    assert "excerpt" not in fieldwork.publishable_columns("coded_segments")
    assert {"institution", "role"}.isdisjoint(fieldwork.publishable_columns("participants"))
    assert "evidence" not in fieldwork.publishable_columns("assessments")
    with pytest.raises(DisclosureError, match="excerpt"):
        disclosure.assert_publishable("coded_segments", ["code", "excerpt"])
    disclosure.assert_publishable("coded_segments", ["code", "theme", "hypothesis_id"])
    with pytest.raises(ParameterError):
        disclosure.assert_publishable("coded_segments", ["nonexistent"])


def test_publishable_frame_drops_free_text_even_after_a_join():
    seg = fieldwork.segments_in_context()
    seg = seg.merge(fieldwork.participants()[["participant_id", "role", "institution"]], on="participant_id")
    out = disclosure.publishable_frame(seg, "coded_segments")
    assert {"excerpt", "role", "institution"}.isdisjoint(out.columns)
    assert {"code", "site_id", "actor_category"} <= set(out.columns)
    assert out.attrs["source"] == fieldwork.DEMO_SOURCE


# --- names ---------------------------------------------------------------------------------


NAMES = pd.DataFrame({"participant_id": ["p0001", "p0002"], "name": ["Zéphirine Quillardec", "Anatole Oubliette"]})


def _site(tmp_path, files: dict[str, str]):
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    "text",
    [
        "<p>Selon Zéphirine Quillardec, le projet avance.</p>",
        "<p>Selon <b>Zephirine</b>\n   <i>QUILLARDEC</i>, le projet avance.</p>",
        "<p>QUILLARDEC Z&eacute;phirine</p>",
        '<img alt="zéphirine quillardec" src="x.png">',
        "<p>Madame Quillardec</p>",
    ],
)
def test_check_no_names_finds_a_name_however_it_is_written(tmp_path, text):
    root = _site(tmp_path, {"html/page.html": text, "html/other.html": "<p>rien</p>"})
    with pytest.raises(DisclosureError) as err:
        disclosure.check_no_names(root, NAMES)
    message = str(err.value)
    assert "page.html" in message and "other.html" not in message and "p0001" in message
    assert "Quillardec" not in message and "Zéphirine" not in message  # masked
    assert "Z… (20 caractères)" in message


def test_check_no_names_scans_markdown_csv_svg_and_notebooks(tmp_path):
    for rel, text in {
        "t.md": "| nom |\n| Anatole Oubliette |",
        "t.csv": "site,who\nangers,Anatole Oubliette\n",
        "f.svg": "<svg><text>Anatole</text><text>Oubliette</text></svg>",
        "n.ipynb": '{"cells": [{"source": ["Anatole Oubli\\u00e9tte"]}]}',
    }.items():
        root = _site(tmp_path / rel.replace(".", "_"), {rel: text})
        with pytest.raises(DisclosureError, match="p0002"):
            disclosure.check_no_names(root, NAMES)


def test_check_no_names_passes_clean_pages_and_ignores_embedded_images(tmp_path):
    root = _site(
        tmp_path,
        {
            "a.html": '<p>Les habitants du quartier.</p><img src="data:image/png;base64,QUILLARDEC+abc/def==">',
            "b.png": "Zéphirine Quillardec",  # not a scanned type
        },
    )
    report = disclosure.check_no_names(root, NAMES)
    assert report.files_checked == 1 and report.names_checked == 2
    assert "OK" in report.text()


def test_hyphenated_family_name_is_matched_whole(tmp_path):
    names = pd.DataFrame({"participant_id": ["p0009"], "name": ["Hortense Vermandois-Test"]})
    root = _site(tmp_path, {"a.html": "<p>Test exact de Fisher ; Vermandois (département)</p>"})
    disclosure.check_no_names(root, names)
    (root / "b.html").write_text("<p>Mme VERMANDOIS TEST</p>", encoding="utf-8")
    with pytest.raises(DisclosureError, match="p0009, nom de famille H"):
        disclosure.check_no_names(root, names)


def test_family_names_can_be_allowed_or_not_searched(tmp_path):
    root = _site(tmp_path, {"a.html": "<p>Rue Oubliette</p>"})
    with pytest.raises(DisclosureError, match="nom de famille"):
        disclosure.check_no_names(root, NAMES)
    disclosure.check_no_names(root, NAMES, allow=["oubliette"])
    disclosure.check_no_names(root, NAMES, surnames=False)


def test_check_build_uses_the_private_overlay_names(tmp_path, monkeypatch):
    overlay = demo.write_fake_overlay(tmp_path / "private", n_names=3)
    names = pd.read_csv(overlay / "participant_names.csv", dtype=str)
    build = _site(tmp_path / "build", {"html/index.html": "<h1>Synthèse</h1>", "tables/t.csv": "a,b\n1,2\n"})
    monkeypatch.delenv("ODAS_PRIVATE_DATA", raising=False)
    report = disclosure.check_build(build)
    assert report.names_checked == 0 and "pas de répertoire privé" in report.text()
    monkeypatch.setenv("ODAS_PRIVATE_DATA", str(overlay))
    assert disclosure.check_build(build).names_checked == 3
    assert main(["fieldwork", "check-build", str(build)]) == 0
    leaked = names["name"].iloc[1]
    (build / "html" / "site.html").write_text(f"<p>Entretien avec {leaked}</p>", encoding="utf-8")
    with pytest.raises(DisclosureError) as err:
        disclosure.check_build(build)
    assert leaked not in str(err.value) and "p0002" in str(err.value)
    assert main(["fieldwork", "check-build", str(build)]) == 2


def test_check_figure_text(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.set_title("Part des passages par groupe d'acteurs")
    ax.set_xticks([0, 1], ["Habitants", "Associations"])
    disclosure.check_figure_text(fig, NAMES)
    ax.set_xlabel("Anatole Oubliette")
    with pytest.raises(DisclosureError, match="p0002"):
        disclosure.check_figure_text(fig, NAMES)
    plt.close(fig)


def test_doctests():
    import doctest

    assert doctest.testmod(disclosure).failed == 0


def test_names_file_that_cannot_be_read_is_a_clear_french_error(tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    (private / "participant_names.csv").write_bytes("participant_id,name\np0001,Zéphirine Q\n".encode("latin-1"))
    with pytest.raises(DisclosureError, match=r"participant_names\.csv, ligne 2 : \[encoding-error\]"):
        disclosure.load_participant_names(private)
