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


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``odas-analysis``."""
    parser = argparse.ArgumentParser(
        prog="odas-analysis",
        description="Reproducible analysis of the Odas 2015-2017 research-action "
        "'Cohésion sociale et territoires'.",
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
    p = data_sub.add_parser(
        "download", help="download the official national files into a directory, then rebuild"
    )
    p.add_argument("--national-dir", required=True, help="directory to download into")
    p.add_argument("--base-url", default=None, help="mirror to download from (default: the official sites)")
    p.add_argument("--no-rebuild", action="store_true", help="only download, do not rebuild data/territory/")
    p.set_defaults(func=_cmd_data_download)

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
