"""What the app shows of an export's verification: a coloured verdict line, the sentence and
the notes (every piece of outside text escaped), or "Verifying…" while it runs."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from rich.text import Text
from textual.widgets import Static

from tui.core.retrieve.model import Verification, VerifyState
from tui.core.safe_text import shown

VERDICT_LOOK: dict[VerifyState, tuple[str, str, str]] = {  # mark, title, style
    VerifyState.VERIFIED: ("✓", "Export verified in S3", "bold green"),
    VerifyState.NO_LOG: ("?", "Export in S3, not confirmed", "bold yellow"),
    VerifyState.MISSING: ("✗", "Export missing", "bold red"),
    VerifyState.SIZE_MISMATCH: ("✗", "Export incomplete", "bold red"),
    VerifyState.NOT_CHECKABLE: ("!", "Export not checkable", "bold yellow"),
    VerifyState.NOT_COMPLETED: ("·", "Nothing to verify yet", "dim"),
}
DOWNLOADABLE = (VerifyState.VERIFIED, VerifyState.NO_LOG)


def mark(state: VerifyState) -> Text:
    """One character for a list: ✓ verified, ? no log, ✗ missing or incomplete, ! refused."""
    symbol, _, style = VERDICT_LOOK[state]
    return Text(symbol, style=style)


LEGEND = {VerifyState.VERIFIED: "verified in S3", VerifyState.NO_LOG: "with no log to compare",
          VerifyState.MISSING: "missing", VerifyState.SIZE_MISMATCH: "incomplete",
          VerifyState.NOT_CHECKABLE: "not checkable"}


def marks_legend(states: Iterable[VerifyState]) -> str:
    """What the marks beside COMPLETED say: `✓ 2 exports verified in S3, ✗ 1 missing.`"""
    counts = Counter(states)
    parts: list[str] = []
    for state, words in LEGEND.items():
        if counts[state]:
            noun = "" if parts else "export " if counts[state] == 1 else "exports "
            parts.append(f"{VERDICT_LOOK[state][0]} {counts[state]} {noun}{words}")
    return ", ".join(parts) + "." if parts else ""


def proof_line(verdicts: Iterable[Verification], asked: int) -> Text:
    """`Exports verified in S3: 3 of 4 (1 missing); d downloads them.` for a run."""
    counts = Counter(v.state for v in verdicts)
    done = sum(counts.values())
    verified = counts[VerifyState.VERIFIED]
    text = Text("Exports verified in S3: ", style="bold")
    text.append(f"{verified} of {asked}", style="green" if verified == asked else "yellow")
    others = [f"{count} {VERDICT_LOOK[state][1].lower().removeprefix('export ')}"
              for state, count in counts.items() if state is not VerifyState.VERIFIED]
    if done < asked:
        others.append(f"{asked - done} being checked")
    if others:
        text.append(f" ({', '.join(others)})")
    if counts[VerifyState.VERIFIED] + counts[VerifyState.NO_LOG]:
        text.append("; d downloads them.", style="dim")
    return text


def verdict_words(verification: Verification) -> str:
    """`✓ Export verified in S3.` (or missing, incomplete...): the verdict in a few words."""
    symbol, title, _ = VERDICT_LOOK[verification.state]
    return f"{symbol} {title}."


def proof_text(verification: Verification) -> Text:
    symbol, title, style = VERDICT_LOOK[verification.state]
    text = Text(f"{symbol} {title}", style=style)
    text.append("\n" + shown(verification.sentence))
    for note in verification.notes:
        text.append("\n" + shown(note), style="dim")
    return text


class ProofView(Static):
    """The verdict on one job's export (hidden until there is one to show)."""

    DEFAULT_CSS = """
    ProofView { height: auto; padding: 0 1; margin-top: 1; border: round $success;
                display: none; }
    ProofView.doubt { border: round $warning; }
    ProofView.bad { border: round $error; }
    """

    verification: Verification | None = None

    def verifying(self) -> None:
        self.verification = None
        self.set_classes("")
        self.update(Text("Verifying the export in S3…", style="dim"))
        self.display = True

    def show(self, verification: Verification) -> None:
        self.verification = verification
        state = verification.state
        self.set_class(state in (VerifyState.NO_LOG, VerifyState.NOT_CHECKABLE), "doubt")
        self.set_class(state in (VerifyState.MISSING, VerifyState.SIZE_MISMATCH), "bad")
        self.border_title = "Proof"
        self.update(proof_text(verification))
        self.display = True

    @property
    def downloadable(self) -> bool:
        return self.verification is not None and self.verification.state in DOWNLOADABLE
