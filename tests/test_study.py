"""The study tables: the published facts, consistent with each other and restated, not quoted."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pytest

from odas_analysis import study
from odas_analysis.errors import ParameterError


def test_eleven_sites_nine_communes_two_agglomerations():
    sites = study.sites()
    assert len(sites) == study.published_total("sites") == 11
    kinds = sites["kind"].value_counts().to_dict()
    assert kinds == {"commune": study.published_total("communes"), "communaute_agglomeration": 2}
    assert study.published_total("agglomerations") == 2
    # communes carry an INSEE code, agglomerations a SIREN, never both
    for row in sites.itertuples():
        assert pd.isna(row.insee_code) == (row.kind == "communaute_agglomeration"), row.site_id
        assert pd.isna(row.siren_epci) == (row.kind == "commune"), row.site_id


def test_site_ids_are_sorted_stable_slugs():
    ids = study.site_ids()
    assert ids == sorted(ids)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", i) for i in ids)


def test_four_sites_of_the_earlier_study():
    sites = study.sites()
    earlier = set(sites.loc[sites["in_2010_2012_study"], "name"])
    assert earlier == {"Bordeaux", "Clichy-sous-Bois", "Le Havre", "Strasbourg"}
    assert len(earlier) == study.published_total("sites_in_2010_2012_study")
    # the same four appear in the earlier study's city list, linked by site_id
    linked = set(study.earlier_study_cities()["site_id"].dropna())
    assert linked == set(sites.loc[sites["in_2010_2012_study"], "site_id"])


def test_axes_published_for_five_sites_and_derived_for_six():
    sites = study.sites().set_index("site_id")
    published = sites[sites["axis_status"] == "published"]
    assert published["axis_id"].to_dict() == {
        "angers": "A1",
        "bordeaux": "A3",
        "creil": "A1",
        "le-havre": "A1",
        "strasbourg": "A3",
    }
    derived = sites[sites["axis_status"] == "derived"]
    assert len(derived) == 6 and set(derived["axis_id"]) == {"A2"}
    # a derived axis says how it was derived and cites the derivation, not a source that says it
    assert derived["axis_note"].notna().all()
    assert set(derived["axis_source_id"]) == {"DERIVED"}
    # unknown topics stay empty; published ones are filled
    assert derived["topic"].isna().all()
    assert published["topic"].notna().all()


def test_hypotheses_h1_to_h5_with_sources():
    hyp = study.hypotheses()
    assert list(hyp["hypothesis_id"]) == ["H1", "H2", "H3", "H4", "H5"]
    assert hyp["statement"].str.len().gt(40).all()
    assert (hyp["source_id"] == "ODAS2019").all()
    assert study.hypothesis("H5")["label"] == "Observation partagée"


def test_calendar_keeps_unknown_dates_unknown():
    cal = study.calendar().set_index("event_id")
    copil = cal[cal["kind"] == "steering_committee"]
    assert len(copil) == study.published_total("steering_committee_sessions") == 7
    dated = copil[copil["start_date"].notna()]
    assert list(dated.index) == ["copil-3"]
    assert dated.loc["copil-3", "start_date"] == pd.Timestamp("2016-07-01")
    assert cal.loc["phase-2", "precision"] == "unknown"
    assert cal.loc["phase-4", "end_date"] == pd.Timestamp("2017-09-30")
    assert cal.loc["phase-1", "start_date"] == pd.Timestamp("2015-09-01")


def test_subgroup_meetings():
    cal = study.calendar()
    meetings = cal[cal["kind"] == "subgroup_meeting"]
    dates = meetings.groupby("subgroup_id")["start"].apply(sorted).to_dict()
    assert dates == {
        "SG-HAB": ["2016-07-01", "2016-12-08"],
        "SG-OBS": ["2016-07-01", "2016-12-08"],
        "SG-COOP": ["2017-03-21", "2017-06-21"],
        "SG-TERR": ["2017-03-21", "2017-06-21"],
    }
    assert len(study.subgroups()) == study.published_total("thematic_subgroups")


def test_published_totals_and_bounds():
    totals = study.fieldwork_totals().set_index("quantity")
    assert totals.loc["interviews", ["value", "bound"]].tolist() == [143, "exact"]
    assert totals.loc["actors", ["value", "bound"]].tolist() == [400, "lower_bound"]
    with pytest.raises(ParameterError, match="quantités connues : sites"):
        study.published_total("entretiens")


def test_unknown_ids_list_the_valid_ones():
    with pytest.raises(ParameterError) as info:
        study.check_site_id("paris")
    assert "angers" in str(info.value) and "villeurbanne" in str(info.value)
    assert str(info.value).startswith("site_id inconnu : 'paris' ; valeurs permises : ")
    with pytest.raises(ParameterError, match="H1, H2, H3, H4, H5"):
        study.check_hypothesis_id("H6")


def test_every_cited_source_exists():
    known = set(study.sources()["source_id"])
    for table in (study.sites(), study.hypotheses(), study.calendar(), study.axes(), study.questions()):
        assert set(table["source_id"]) <= known


def _words(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower().replace("’", "'")
    return re.findall(r"[\w']+", text)


def test_restatements_quote_no_sentence_of_the_report(shared_dir):
    """No eight consecutive words of any French text of data/study/ appear in the seed."""
    seed_words = _words(
        (shared_dir / "seed" / "odas-2019-cohesion-sociale-et-territoires.txt").read_text(encoding="utf-8")
    )
    n = 8
    seed_grams = {tuple(seed_words[i : i + n]) for i in range(len(seed_words) - n + 1)}
    texts = list(study.hypotheses()["statement"]) + list(study.questions()["statement"])
    texts += list(study.calendar()["label"]) + list(study.sites()["topic"].dropna())
    for text in texts:
        words = _words(text)
        copied = [
            " ".join(words[i : i + n]) for i in range(len(words) - n + 1) if tuple(words[i : i + n]) in seed_grams
        ]
        assert not copied, f"copied from the report: {copied[0]!r}"
