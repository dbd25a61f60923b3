"""``odas-analysis``: the command line, a thin layer over the package's functions.

Each sub-command parses its options, calls one function and turns the project's own
errors (:class:`odas_analysis.errors.OdasError`) into a message on stderr and a
non-zero exit code. Heavy imports happen inside the handlers so that ``--help`` is fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .errors import OdasError


def _cmd_validate(args: argparse.Namespace) -> int:
    from .validate import validate_package

    report = validate_package(Path(args.datapackage) if args.datapackage else None)
    print(report.text())
    return 0 if report.ok else 1


def _cmd_data_build(args: argparse.Namespace) -> int:
    from .config import TERRITORY_DIR, national_data_dir
    from .territory_build import build_territory

    national = national_data_dir(args.national_dir)
    written = build_territory(national, Path(args.out) if args.out else TERRITORY_DIR)
    for path in written:
        print(f"écrit : {path}")
    return 0


def _cmd_data_download(args: argparse.Namespace) -> int:
    from .config import TERRITORY_DIR
    from .download import refresh

    written = refresh(
        Path(args.national_dir),
        base_url=args.base_url,
        rebuild_into=None if args.no_rebuild else TERRITORY_DIR,
    )
    for path in written:
        print(f"écrit : {path}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except KeyboardInterrupt:  # outside the batch's own handling (while planning, or re-rendering)
        print("interrompu (Ctrl-C) : relancez la commande pour terminer", file=sys.stderr)
        return 130
    except OSError as exc:  # a full disk, a read-only output root...
        from . import files

        where = f" ({files.display_path(exc.filename)})" if exc.filename else ""
        print(f"odas-analysis: erreur : écriture impossible{where} : {exc.strerror or exc}", file=sys.stderr)
        return 2


def _run(args: argparse.Namespace) -> int:
    from .batch.plan import plan
    from .batch.run import render_only, run_batch

    runs = plan(
        sites=args.site,
        only=args.only,
        notebooks_dir=Path(args.notebooks) if args.notebooks else None,
    )
    out = Path(args.out) if args.out else None
    if args.list:
        for run in runs:
            print(f"{run.name:<28} {run.template.name:<20} {run.parameters}")
        return 0
    if args.render_only:
        return 0 if render_only(runs, out=out) else 1
    batch = run_batch(runs, out=out, jobs=args.jobs, force=args.force, progress=lambda line: print(line, flush=True))
    return batch.exit_code  # 130 after Ctrl-C, 1 after a failure


def _cmd_fieldwork_demo(args: argparse.Namespace) -> int:
    from .demo import SEED, write_demo

    for path in write_demo(Path(args.out) if args.out else None, seed=args.seed if args.seed is not None else SEED):
        print(f"écrit : {path}")
    return 0


def _cmd_fieldwork_templates(args: argparse.Namespace) -> int:
    from .fieldwork import write_templates

    for path in write_templates(Path(args.out) if args.out else None):
        print(f"écrit : {path}")
    return 0


def _cmd_fieldwork_import(args: argparse.Namespace) -> int:
    from .fieldwork import import_csv_dir, import_workbook

    source = Path(args.source)
    written = import_csv_dir(source, Path(args.out)) if source.is_dir() else import_workbook(source, Path(args.out))
    for path in written.values():
        print(f"écrit : {path}")
    return 0


def _cmd_fieldwork_validate(args: argparse.Namespace) -> int:
    from .fieldwork import data_source, fieldwork_summary, load_records

    records = load_records(Path(args.dir) if args.dir else None)
    summary = fieldwork_summary(records)
    print(f"OK : {data_source(Path(args.dir) if args.dir else None)['label_fr']}")
    print(
        f"  {int(summary['entretiens_phase_2'].sum())} entretiens en phase 2, "
        f"{int(summary['entretiens_phase_4'].sum())} en phase 4, {summary.shape[0]} sites"
    )
    return 0


def _cmd_fieldwork_source(args: argparse.Namespace) -> int:
    from .fieldwork import data_source

    info = data_source()
    print(f"{info['kind']}: {info['label_fr']}")
    return 0


def _cmd_fieldwork_check_build(args: argparse.Namespace) -> int:
    from .disclosure import check_build

    print(check_build(Path(args.build_dir) if args.build_dir else None).text())
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import build_report

    result = build_report(
        sources=Path(args.sources) if args.sources else None,
        root=Path(args.root) if args.root else None,
        out=Path(args.out) if args.out else None,
        data_dir=Path(args.data_dir) if args.data_dir else None,
        sites=args.site or None,
        pdf=False if args.no_pdf else (True if args.pdf else None),
    )
    print(result.summary())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``odas-analysis``."""
    parser = argparse.ArgumentParser(
        prog="odas-analysis",
        description="Reproducible analysis of the Odas 2015-2017 research-action 'Cohésion sociale et territoires'.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check every table of data/ against data/datapackage.json")
    p.add_argument("--datapackage", help="descriptor to check (default: the project's data/datapackage.json)")
    p.set_defaults(func=_cmd_validate)

    data = sub.add_parser("data", help="build or refresh the territory tables from national files")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    p = data_sub.add_parser("build", help="rebuild data/territory/ from the national files")
    p.add_argument("--national-dir", help="national data directory (default: $ODAS_NATIONAL_DATA)")
    p.add_argument("--out", help="output directory (default: data/territory/)")
    p.set_defaults(func=_cmd_data_build)
    p = data_sub.add_parser("download", help="download the official national files into a directory, then rebuild")
    p.add_argument("--national-dir", required=True, help="directory to download into")
    p.add_argument("--base-url", default=None, help="mirror to download from (default: the official sites)")
    p.add_argument("--no-rebuild", action="store_true", help="only download, do not rebuild data/territory/")
    p.set_defaults(func=_cmd_data_download)

    p = sub.add_parser(
        "run",
        help="execute the notebooks (sites, hypotheses, methodology, synthesis) and render them to HTML",
        description="Plan every run, skip those whose inputs did not change, execute the others with "
        "papermill in parallel worker processes, render HTML for reviewers and researchers, "
        "write build/html/index.html and build/manifest.json. Exit code 1 if a run failed.",
    )
    p.add_argument(
        "--site",
        action="append",
        metavar="SITE_ID",
        help="only this site (repeatable or comma-separated); with no --only, only site runs",
    )
    p.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="only these kinds (site, hypothese, methodologie, synthese) or run names "
        "(site-angers, hypothese-H2...); repeatable or comma-separated",
    )
    p.add_argument("--jobs", "-j", type=int, default=None, help="parallel worker processes (default: one per core)")
    p.add_argument("--force", action="store_true", help="execute even the runs whose inputs did not change")
    p.add_argument("--out", help="output root (default: the project; build/, figures/ and tables/ go below it)")
    p.add_argument("--notebooks", help="directory of the notebook templates (default: notebooks/)")
    p.add_argument("--list", action="store_true", help="print the planned runs and stop")
    p.add_argument(
        "--render-only",
        action="store_true",
        help="re-render the HTML pages and the index from the executed notebooks, execute nothing",
    )
    p.set_defaults(func=_cmd_run)

    fw = sub.add_parser("fieldwork", help="fieldwork records: demonstration set, templates, import, checks")
    fw_sub = fw.add_subparsers(dest="fieldwork_command", required=True)
    p = fw_sub.add_parser("demo", help="generate the demonstration set (données simulées) into data/fieldwork/demo/")
    p.add_argument("--out", help="output directory (default: data/fieldwork/demo/)")
    p.add_argument("--seed", type=int, default=None, help="seed of the generator (default: the committed one)")
    p.set_defaults(func=_cmd_fieldwork_demo)
    p = fw_sub.add_parser("templates", help="write the blank CSV and XLSX collection templates from the schemas")
    p.add_argument("--out", help="output directory (default: data/fieldwork/templates/)")
    p.set_defaults(func=_cmd_fieldwork_templates)
    p = fw_sub.add_parser("import", help="validate a filled-in workbook (.xlsx) or CSV directory, write <table>.csv")
    p.add_argument("source", help="the filled-in odas-fieldwork.xlsx, or a directory of <table>.csv files")
    p.add_argument("--out", required=True, help="directory to write into (the private records directory)")
    p.set_defaults(func=_cmd_fieldwork_import)
    p = fw_sub.add_parser("validate", help="validate the records in use ($ODAS_PRIVATE_DATA or the demonstration set)")
    p.add_argument("--dir", help="validate this directory of records instead")
    p.set_defaults(func=_cmd_fieldwork_validate)
    p = fw_sub.add_parser("source", help="say which fieldwork records are in use")
    p.set_defaults(func=_cmd_fieldwork_source)
    p = fw_sub.add_parser("check-build", help="fail if a participant name of the private overlay is in build/")
    p.add_argument("build_dir", nargs="?", help="directory to scan (default: build/, figures/ and tables/)")
    p.set_defaults(func=_cmd_fieldwork_check_build)

    p = sub.add_parser(
        "report", help="build the published report (build/report/) from report/ and the batch's figures and tables"
    )
    p.add_argument("--sources", help="report sources directory (default: report/)")
    p.add_argument(
        "--root", help="batch output root holding figures/, tables/, build/manifest.json (default: the project)"
    )
    p.add_argument("--out", help="output directory (default: <root>/build/report)")
    p.add_argument("--data-dir", help="data directory for the sources table and data hashes (default: data/)")
    p.add_argument("--site", action="append", help="only these sites' appendices (repeatable; default: all)")
    pdf = p.add_mutually_exclusive_group()
    pdf.add_argument("--pdf", action="store_true", help="fail if the PDF edition cannot be made")
    pdf.add_argument("--no-pdf", action="store_true", help="do not make the PDF edition")
    p.set_defaults(func=_cmd_report)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``odas-analysis`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except OdasError as exc:
        print(f"odas-analysis: erreur : {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
