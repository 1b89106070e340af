"""The command line. Heavy modules are imported inside each command, so --help stays fast."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator import __version__
from generator.errors import EXIT_BAD_INPUT, EXIT_FAILED, EXIT_OK, PolicygenError, printable


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own errors: one line, exit 2
        self.print_usage(sys.stderr)
        print(f"policygen: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def cmd_build(args) -> int:
    from generator.build import build_file, parse_formats  # noqa: PLC0415
    from generator.output import check_folder  # noqa: PLC0415

    formats = parse_formats(args.format, args.fragment)
    check_folder(Path(args.output))  # before the work, not after it
    built = build_file(Path(args.facts), Path(args.output), formats, strict=args.strict, annexes=args.annexes,
                       pdf_variant=args.pdf_variant)
    for line in built.warnings:
        print(printable(line), file=sys.stderr)
    for path in built.written.values():
        print(printable(str(path)))
    return EXIT_OK


def cmd_schema(args) -> int:
    import json  # noqa: PLC0415

    if args.markdown:
        from generator.docs import facts_reference  # noqa: PLC0415

        print(facts_reference(), end="")
        return EXIT_OK
    from generator.facts import json_schema  # noqa: PLC0415

    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
    return EXIT_OK


def cmd_batch(args) -> int:
    from generator.batch import run  # noqa: PLC0415
    from generator.build import parse_formats  # noqa: PLC0415
    from generator.output import check_folder  # noqa: PLC0415

    check_folder(Path(args.output))  # one line, not one failure per facts file
    return run(args.paths, Path(args.output), parse_formats(args.format, args.fragment), jobs=args.jobs,
               force=args.force, shard=args.shard, strict=args.strict, check=args.check, pdf_variant=args.pdf_variant)


def cmd_diff(args) -> int:
    from generator.diff import run  # noqa: PLC0415
    from generator.output import check_file  # noqa: PLC0415

    if args.html:
        check_file(Path(args.html))
    return run(Path(args.old), Path(args.new), Path(args.html) if args.html else None)


def cmd_init(args) -> int:
    from generator.interview import cmd_init as run_interview  # noqa: PLC0415
    from generator.output import check_file, check_folder  # noqa: PLC0415

    # Before the interview: its answers must not be lost to an output that cannot be written.
    check_file(Path(args.output))
    check_folder(Path(args.build_dir))
    if args.from_file and not sys.stdin.isatty():
        from generator.facts import load  # noqa: PLC0415

        load(Path(args.from_file))  # no one can be asked to fix it: say what is wrong with the file
    return run_interview(args)


def cmd_check(args) -> int:
    from generator.check import check, report_json, report_lines  # noqa: PLC0415
    from generator.facts import load  # noqa: PLC0415

    report = check(load(Path(args.facts)))
    print(report_json(report) if args.json else "\n".join(report_lines(report)))
    return EXIT_OK if report.ok else EXIT_FAILED


def cmd_explain(args) -> int:
    from generator.explain import explain, report_json, report_lines  # noqa: PLC0415
    from generator.facts import load  # noqa: PLC0415

    blocks = explain(load(Path(args.facts)), section=args.section)
    print(report_json(blocks) if args.json else "\n".join(report_lines(blocks)))
    return EXIT_OK


# generator.pdf.PDF_VARIANTS' names, repeated here so that --help imports nothing (tests/test_pdf.py compares them).
PDF_VARIANT_CHOICES = ("ua", "a3b", "none")


def _publishing_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--fragment", action="store_true",
                         help="also write <stem>.fragment.html, to paste into a site or CMS (same as adding 'fragment' to --format)")
    command.add_argument("--pdf-variant", choices=PDF_VARIANT_CHOICES, default="ua",
                         help="ua: tagged PDF/UA-1 (default); a3b: tagged PDF/A-3b; none: a plain, untagged PDF")


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="policygen", description="Write the privacy policy of a crypto-mining business from facts.")
    parser.add_argument("--version", action="version", version=f"policygen {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True

    build = commands.add_parser("build", help="build one policy from a facts file")
    build.add_argument("facts", metavar="FACTS.yaml", help="the facts file")
    build.add_argument("-o", "--output", default="output", metavar="DIR", help="output folder (default: output)")
    build.add_argument("--format", default=None, metavar="FORMATS", help="comma-separated: html,pdf,md,fragment (default: html,pdf)")
    build.add_argument("--strict", action="store_true",
                       help="fail (exit 1, nothing written) when a required disclosure is missing or check finds a problem")
    build.add_argument("--annexes", choices=("inline", "separate"), default="inline",
                       help="inline (default): one document; separate: each law's section as its own HTML page, "
                            "<stem>.<section>.html, linked from the main policy")
    _publishing_options(build)
    build.set_defaults(run=cmd_build)

    schema = commands.add_parser("schema", help="print the JSON Schema of facts files")
    schema.add_argument("--markdown", action="store_true", help="print the facts-file reference as Markdown instead")
    schema.set_defaults(run=cmd_schema)

    init = commands.add_parser("init", help="answer a short interview in the terminal to write a facts file")
    init.add_argument("-o", "--output", default="facts.yaml", metavar="FILE", help="the facts file to write (default: facts.yaml)")
    init.add_argument("--from", dest="from_file", default=None, metavar="FACTS.yaml",
                      help="pre-fill every answer from an existing facts file (or a draft)")
    init.add_argument("--force", action="store_true", help="replace FILE without asking")
    init.add_argument("--build-dir", default="output", metavar="DIR", help="where to build the policy at the end (default: output)")
    init.set_defaults(run=cmd_init)

    check = commands.add_parser("check", help="report which required disclosures the policy makes, per law")
    check.add_argument("facts", metavar="FACTS.yaml", help="the facts file")
    check.add_argument("--json", action="store_true", help="print the report as JSON")
    check.set_defaults(run=cmd_check)

    explain = commands.add_parser("explain", help="list each block of the policy with the laws and facts behind it")
    explain.add_argument("facts", metavar="FACTS.yaml", help="the facts file")
    explain.add_argument("--section", default=None, metavar="ID", help="only the blocks of this section (its HTML id)")
    explain.add_argument("--json", action="store_true",
                         help="print a JSON list of {section, text, laws, facts[, citation]} objects")
    explain.set_defaults(run=cmd_explain)

    batch = commands.add_parser("batch", help="build every facts file under the given files and folders")
    batch.add_argument("paths", nargs="+", metavar="PATH", help="facts files, or folders searched for *.yaml and *.yml")
    batch.add_argument("-o", "--output", default="output", metavar="DIR",
                       help="output folder; files found in folders keep their place below it (default: output)")
    batch.add_argument("--format", default=None, metavar="FORMATS", help="comma-separated: html,pdf,md,fragment (default: html,pdf)")
    batch.add_argument("--jobs", "-j", type=int, default=None, metavar="N", help="worker processes (default: number of CPUs)")
    batch.add_argument("--force", action="store_true", help="rebuild everything, even what is unchanged")
    batch.add_argument("--shard", default=None, metavar="K/N",
                       help="build only the K-th of N deterministic slices of the input (to split a run across machines)")
    batch.add_argument("--strict", action="store_true",
                       help="fail (exit 1, nothing written) when a required disclosure is missing or check finds a problem")
    batch.add_argument("--check", action="store_true",
                       help="build nothing; name each output that is stale or missing and exit 1 if there is one (for CI)")
    _publishing_options(batch)
    batch.set_defaults(run=cmd_batch)

    diff = commands.add_parser("diff", help="which facts changed and which sections of the policy change with them")
    diff.add_argument("old", metavar="OLD.yaml", help="the facts before")
    diff.add_argument("new", metavar="NEW.yaml", help="the facts after")
    diff.add_argument("--html", default=None, metavar="FILE", help="also write a redline page (insertions and deletions marked)")
    diff.set_defaults(run=cmd_diff)

    return parser


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except PolicygenError as exc:
        for line in exc.lines():
            print(printable(line), file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("policygen: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
