"""The command-line parser's errors in Danish, at the CLI edge.

Typer parses the command line with its bundled copy of click, whose messages ("Missing option",
"No such command", "Invalid value", "Got unexpected extra argument(s)", ...) are English
f-strings (no gettext catalogue to plug into), and checks values with pydantic ("Input should be
a valid integer"). :func:`kommunebench.cli.main` runs the app with ``standalone_mode=False``, so
the parser raises its errors (``typer.TyperException``) instead of printing them, and
:func:`print_usage_error` prints them as the CLI prints every error: the usage line, the help
hint and one ``fejl:`` line, translated by a table of the message templates (like a gettext
catalogue, matched on the formatted text). A message the table does not know is printed as is.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import typer

from kommunebench.cli_common import err_console

__all__ = ["danish_click_message", "print_usage_error", "ABORTED", "NO_ARGS"]

ABORTED = "Afbrudt."
_KIND = {"argument": "argumentet", "option": "tilvalget", "parameter": "parameteren"}
_PATH = {"File": "Filen", "Directory": "Mappen", "Path": "Stien", "file": "Filen", "directory": "Mappen"}
_ACCESS = {"readable": "læses", "writable": "skrives", "executable": "køres"}

# (click's message as a pattern, its Danish text: a template, or a function of the match).
# Messages that wrap another message (Invalid value for X: <inner>) translate the inner one too.
_Rule = tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]
_RULES: list[_Rule] = [
    (re.compile(r"Missing (argument|option|parameter)(.*?)\.(.*)", re.S), lambda m: _missing(m)),
    (re.compile(r"Missing parameter: (.+)"), r"Mangler parameteren \1."),
    (re.compile(r"Missing command\."), "Mangler en kommando."),
    (re.compile(r"No such option:? '?([^' ]+)'?\.?( .*)?", re.S), lambda m: f"Ukendt tilvalg '{m[1]}'.{_did(m[2])}"),
    (re.compile(r"No such option '(.+?)'\.( .*)?", re.S), lambda m: f"Ukendt tilvalg '{m[1]}'.{_did(m[2])}"),
    (re.compile(r"No such command '(.+?)'\.( .*)?", re.S), lambda m: f"Ukendt kommando '{m[1]}'.{_did(m[2])}"),
    (re.compile(r"Got unexpected extra argument\(s\) \((.+)\)", re.S), lambda m: _extra(m[1])),
    (re.compile(r"Got unexpected extra argument \((.+)\)", re.S), r"Uventet ekstra argument (\1)."),
    (re.compile(r"Got unexpected extra arguments \((.+)\)", re.S), r"Uventede ekstra argumenter (\1)."),
    (re.compile(r"Invalid value for (.+?): (.+)", re.S), lambda m: f"Ugyldig værdi for {m[1]}: {_inner(m[2])}"),
    (re.compile(r"Invalid value: (.+)", re.S), lambda m: f"Ugyldig værdi: {_inner(m[1])}"),
    (re.compile(r"Option '(.+)' requires an argument\."), r"Tilvalget '\1' kræver en værdi."),
    (re.compile(r"Option '(.+)' requires (\d+) arguments\."), r"Tilvalget '\1' kræver \2 værdier."),
    (re.compile(r"Option '(.+)' does not take a value\."), r"Tilvalget '\1' tager ingen værdi."),
    (re.compile(r"Argument '(.+)' takes (\d+) values\."), r"Argumentet '\1' tager \2 værdier."),
    (re.compile(r"Could not open file '(.+)': (.+)", re.S), r"Kunne ikke åbne filen '\1': \2"),
]
_INNER: list[_Rule] = [
    (re.compile(r"Input should be a valid integer.*", re.S), "skal være et helt tal."),
    (re.compile(r"Input should be a valid (number|float).*", re.S), "skal være et tal."),
    (re.compile(r"Input should be a valid boolean.*", re.S), "skal være sand eller falsk."),
    (re.compile(r"Input should be a valid date.*", re.S), "skal være en dato (YYYY-MM-DD)."),
    (re.compile(r"Input should be (.+)", re.S), lambda m: f"skal være {_words(m[1])}."),
    (re.compile(r"Value (.+) is not a valid (.+)\."), r"\1 er ikke en gyldig \2."),
    (re.compile(r"(.+) is not a valid integer\."), r"\1 er ikke et helt tal."),
    (re.compile(r"(.+) is not a valid float\."), r"\1 er ikke et tal."),
    (re.compile(r"(.+) is not a valid boolean\. Recognized values: (.+)"), r"\1 er ikke sand/falsk (gyldige: \2)."),
    (re.compile(r"(.+) is not a valid UUID\."), r"\1 er ikke et gyldigt UUID."),
    (re.compile(r"(.+) is not in the range (.+)\."), r"\1 ligger ikke i intervallet \2."),
    (re.compile(r"(.+) is not one of (.+)\."), r"\1 er ikke en af \2."),
    (re.compile(r"(.+) does not match the formats? (.+)\."), r"\1 passer ikke med formatet \2."),
    (
        re.compile(r"(File|Directory|Path|file|directory) (.+) does not exist\."),
        lambda m: f"{_PATH[m[1]]} {m[2]} findes ikke.",
    ),
    (re.compile(r"(File|Directory|Path) (.+) is a file\."), lambda m: f"{_PATH[m[1]]} {m[2]} er en fil."),
    (re.compile(r"(File|Directory|Path) (.+) is a directory\."), lambda m: f"{_PATH[m[1]]} {m[2]} er en mappe."),
    (
        re.compile(r"(File|Directory|Path) (.+) is not (readable|writable|executable)\."),
        lambda m: f"{_PATH[m[1]]} {m[2]} kan ikke {_ACCESS[m[3]]}.",
    ),
    (re.compile(r"(.+) is not (.+)\."), r"\1 er ikke \2."),  # a Choice with one value
]


def _apply(rules: list[_Rule], text: str) -> str | None:
    for pattern, danish in rules:
        m = pattern.fullmatch(text.strip())
        if m is not None:
            return danish(m) if callable(danish) else m.expand(danish)
    return None


_WORDS = (
    ("greater than or equal to", "mindst"),
    ("less than or equal to", "højst"),
    ("greater than", "større end"),
    ("less than", "mindre end"),
    (" or ", " eller "),
)


def _words(text: str) -> str:
    for en, da in _WORDS:
        text = text.replace(en, da)
    return text


def _inner(text: str) -> str:
    return _apply(_INNER, text) or text


def _missing(m: re.Match[str]) -> str:
    rest = m[3].strip()
    return f"Mangler {_KIND[m[1]]}{m[2]}." + (f" {_inner(rest)}" if rest else "")


def _extra(args: str) -> str:
    one = len(args.split()) == 1
    return f"{'Uventet ekstra argument' if one else 'Uventede ekstra argumenter'} ({args})."


def _did(text: str | None) -> str:
    """click's "Did you mean ...?" suggestions in Danish."""
    if not text or not text.strip():
        return ""
    m = re.fullmatch(r"\s*\(?(?:Did you mean|Possible options:)(?: one of:)? (.+?)\??\)?\s*", text, re.S)
    return f" Mente du {m[1]}?" if m else f" {text.strip()}"


def danish_click_message(message: str) -> str:
    """One click error message in Danish (unchanged when the table does not know it)."""
    return _apply(_RULES, message) or _inner(message)


NO_ARGS = "NoArgsIsHelpError"  # no arguments: the help was printed, nothing to translate


def print_usage_error(exc: typer.TyperException) -> None:
    """The usage line, the help hint and the error in Danish (what click would print, on stderr)."""
    if type(exc).__name__ == NO_ARGS:
        return
    ctx = getattr(exc, "ctx", None)
    if ctx is not None:
        usage = ctx.get_usage()
        err_console.print(re.sub(r"^Usage:", "Brug:", usage), highlight=False, markup=False)
        if ctx.command.get_help_option(ctx) is not None:
            hint = f"Prøv '{ctx.command_path} {ctx.help_option_names[0]}' for hjælp."
            err_console.print(hint, highlight=False, markup=False)
    err_console.print(
        f"[bold red]fejl:[/] {danish_click_message(exc.format_message())}", highlight=False, soft_wrap=True
    )
