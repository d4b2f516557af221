"""The jobs screen: every export job of an organization, as WorkMail lists it (the last seven
days, every page) merged with the local journal (everything started from this machine, of any
age), newest first, in a table with a filter; Enter opens the monitor on the job. Each
COMPLETED job's export is verified in the background (or its recorded verdict read) and
marked beside its state: ✓ verified in S3, ? no log to compare, ✗ missing or incomplete,
! not checkable.

It needs a connection and an organization: the wizard's when it has them, else it connects
with the wizard's settings and asks for the organization (chosen for you when there is only
one Active one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Select, Static
from textual.worker import Worker

from tui.app.jobs.job_calls import JobListing, list_job_rows, mailboxes_by_id
from tui.app.jobs.job_text import STATE_STYLES, export_uri, mailbox_title, moment, short_id
from tui.app.jobs.job_timing import JobTiming
from tui.app.jobs.monitor_screen import MonitorScreen
from tui.app.kit.safe_markup import literal
from tui.app.kit.status_line import StatusLine
from tui.app.retrieve.proof_view import mark, marks_legend
from tui.app.retrieve.verifier import Verifier
from tui.app.steps.aws_calls import AwsCalls
from tui.core.model import AwsProblem, ConnectionSettings, Identity, Mailbox, Organization
from tui.core.retrieve.model import Verification, VerifyState
from tui.core.safe_text import shown
from tui.wizard import calls
from tui.wizard.present import export_place_text

if TYPE_CHECKING:
    from textual.app import App

    from tui.app.wizard_app import WizardApp
    from tui.core.jobs import JobRow
    from tui.core.session import Aws

COLUMNS = ("Started (UTC)", "Mailbox", "State", "Done", "Source", "JobId")
WHERE_COLUMN = "Description · S3 object"  # shown when at least WHERE_MIN cells are left
WHERE_MIN = 24
MAILBOX_WIDTH = 20
SERVICE, JOURNAL = "service", "journal"


def source_of(row: JobRow) -> str:
    """`journal` for a job WorkMail did not list (older than seven days, or the list failed)."""
    return JOURNAL if row.from_journal else SERVICE


def fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def mailbox_label(row: JobRow, mailbox: Mailbox | None) -> str:
    """The journal's name for the mailbox, else its name looked up, else its entity id."""
    if row.entity_label and row.entity_label != row.job.entity_id:
        return row.entity_label
    return mailbox.name if mailbox is not None else row.job.entity_id


def row_cells(row: JobRow, mailbox: Mailbox | None = None,
              proof: VerifyState | None = None) -> tuple[Text, ...]:
    """The cells of COLUMNS: WorkMail's and the journal's words as literal Text, and the
    proof of a COMPLETED job's export beside its state (the S3 object is `where_cell`,
    shown when there is room)."""
    job = row.job
    state = literal(job.state or "?", STATE_STYLES.get(job.state, ""))
    if proof is not None:
        state.append(" ").append_text(mark(proof))
    return (Text(moment(job.start_time, seconds=False)),
            Text(fit(shown(mailbox_label(row, mailbox)), MAILBOX_WIDTH)),
            state,
            Text(f"{job.progress}%", justify="right"),
            Text(source_of(row), style="dim" if row.from_journal else ""),
            literal(short_id(job.job_id)))


def where_cell(row: JobRow, width: int) -> Text:
    """The description (a person's label for the export, at most half the cells), then where
    the export is (`export_place_text`), in `width` cells, each cut at its end when it must
    be: the URI keeps its bucket and prefix (the object's name is the JobId, which has a
    column). The monitor shows both whole."""
    place, description = export_place_text(row.job), shown(row.job.description)
    if not (place and description):
        return literal(fit(place or description, width))
    label = fit(description, max(width // 2, 1))
    return literal(f"{label} · {fit(place, width - 3 - len(label))}"
                   if width - 3 - len(label) >= 8 else label)


def room_for_where(width: int, cells: list[tuple[Text, ...]]) -> int:
    """The cells left for the S3 column in a table `width` cells wide after COLUMNS (each
    as wide as its widest cell, plus the table's padding of one cell on each side); 0 when
    fewer than WHERE_MIN are left."""
    used = sum(max([len(heading), *(cell.cell_len for cell in (row[i] for row in cells))])
               + 2 for i, heading in enumerate(COLUMNS))
    room = width - used - 2
    return room if room >= WHERE_MIN else 0


def row_words(row: JobRow, mailbox: Mailbox | None = None) -> str:
    """Everything the filter looks in, lower case."""
    job = row.job
    names = (mailbox.name, mailbox.display_name, mailbox.email) if mailbox else ()
    return " ".join((job.job_id, row.entity_label, job.entity_id, *names, job.state,
                     job.description, export_uri(job), source_of(row), row.source)).lower()


def matching(rows: Sequence[JobRow], query: str,
             mailboxes: Mapping[str, Mailbox | None] | None = None) -> list[JobRow]:
    """The rows holding every word of `query` (mailbox, state, JobId, path, description)."""
    words = query.lower().split()
    known = mailboxes or {}
    return [row for row in rows
            if all(word in row_words(row, known.get(row.job.entity_id)) for word in words)]


class JobsScreen(Screen[None]):
    CSS_PATH = "jobs_screen.tcss"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "close", "Back"),
        Binding("ctrl+r", "refresh", "Refresh"),
        Binding("r", "refresh", "Refresh", show=False),
        Binding("slash", "focus_filter", "Filter"),
        Binding("j", "stay", show=False),
    ]

    def __init__(self, *, aws: Aws | None, settings: ConnectionSettings,
                 organization_id: str = "", organization: Organization | None = None,
                 timing: JobTiming | None = None) -> None:
        super().__init__()
        self.aws = aws
        self.settings = settings
        self.organization_id = organization_id
        self.organizations: list[Organization] = [organization] if organization else []
        self.timing = timing or JobTiming()
        self.rows: list[JobRow] = []
        self.mailboxes: dict[str, Mailbox | None] = {}  # looked up by entity id
        self.calls = AwsCalls(self)
        self.verifier: Verifier | None = None
        self._listing: JobListing | None = None
        self._state_width = 0  # the widest State cell when the table was last sized

    def compose(self) -> ComposeResult:
        yield Static(Text("Export jobs", style="bold"), id="jobs-bar")
        yield Static(Text("Jobs WorkMail lists (the last seven days) and every job started "
                          "from this machine (the journal). Enter opens the monitor."),
                     id="jobs-explanation")
        with Horizontal(id="jobs-controls"):
            with Vertical(id="jobs-organization"):
                yield Select(self._organization_options(), prompt="Choose an organization",
                             value=self.organization_id or Select.NULL, id="organization")
            with Vertical(id="jobs-filter"):
                yield Input(placeholder="Filter: mailbox, state, JobId or path", id="filter")
        yield DataTable(cursor_type="row", zebra_stripes=True, id="jobs-table")
        yield StatusLine()
        yield Footer()

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#jobs-table", DataTable)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def _add_columns(self, where: bool) -> None:
        for label in (*COLUMNS, *((WHERE_COLUMN,) if where else ())):
            self.table.add_column(label, key=label.split()[0].lower())

    def on_mount(self) -> None:
        self._add_columns(where=False)
        self.table.focus()
        self.action_refresh()

    def on_resize(self) -> None:
        if self.rows:
            self._fill_table()

    # ---- loading -----------------------------------------------------------------------
    def action_refresh(self) -> None:
        """Connect if needed, find the organization if needed, then list the jobs."""
        if self.aws is None:
            self.calls.run(lambda: calls.connect(self.settings), self._connected,
                           self._failed, message="Connecting to AWS…", group="load")
        elif not self.organization_id:
            aws = self.aws
            self.calls.run(lambda: calls.organizations(aws), self._organizations_listed,
                           self._failed, message="Listing the WorkMail organizations…",
                           group="load")
        else:
            aws, organization_id = self.aws, self.organization_id
            self.calls.run(lambda: list_job_rows(aws, organization_id), self._listed,
                           self._failed, message="Listing the export jobs…", group="load",
                           busy=self.table)
            if not self.organizations:  # the wizard's organization, known by its id only
                self.calls.run(lambda: calls.organizations(aws), self._organizations_named,
                               self._organizations_not_named,
                               message="Listing the export jobs…", group="organizations")

    def _connected(self, connection: tuple[Aws, Identity]) -> None:
        self.aws = connection[0]
        self.action_refresh()

    def _organizations_listed(self, organizations: Sequence[Organization]) -> None:
        self.organizations = list(organizations)
        select = self.query_one("#organization", Select)
        select.set_options(self._organization_options())
        active = [o for o in organizations if o.selectable]
        if len(active) == 1:
            select.value = active[0].id  # lists its jobs (Select.Changed)
        elif not organizations:
            self.status.note("There is no WorkMail organization in this Region.")
        else:
            self.status.note("Choose the organization whose export jobs to list.")
            select.focus()

    def _organizations_named(self, organizations: Sequence[Organization]) -> None:
        self.organizations = list(organizations)
        select = self.query_one("#organization", Select)
        select.set_options(self._organization_options())
        select.value = self.organization_id
        self._say_what_is_shown()

    def _organizations_not_named(self, problem: AwsProblem) -> None:
        self._say_what_is_shown(f"The organizations could not be listed, so the id is shown: "
                                f"{problem.sentence()}")

    def _organization_options(self) -> list[tuple[Text, str]]:
        """The Select's options; an alias is AWS's text, so a literal Text, not markup."""
        options = [(literal(f"{o.alias or o.id} ({o.state})" if not o.selectable
                            else o.alias or o.id), o.id) for o in self.organizations]
        if self.organization_id and all(o.id != self.organization_id for o in self.organizations):
            options.insert(0, (literal(self.organization_id), self.organization_id))
        return options

    def on_select_changed(self, event: Select.Changed) -> None:
        value = event.value
        if isinstance(value, str) and value and value != self.organization_id:
            self.organization_id = value
            self.rows = []
            self.mailboxes = {}
            self._fill_table()
            self.action_refresh()

    def _listed(self, listing: JobListing) -> None:
        self._listing = listing
        self.rows = list(listing.rows)
        self._fill_table()
        self._say_what_is_shown()
        self._look_up_names()
        self._verify_completed()

    def _verify_completed(self) -> None:
        """Verify each COMPLETED job's export (once), a recorded verdict standing."""
        if self.aws is None:
            return
        if self.verifier is None:
            self.verifier = Verifier(self, self.aws, self._verified, now=self.timing.now,
                                     use_record=True)
        for row in self.rows:
            self.verifier.verify(row.job)

    def _verified(self, job_id: str, verification: Verification) -> None:
        if job_id not in {row.job.job_id for row in self.shown}:
            return
        row = next(r for r in self.rows if r.job.job_id == job_id)
        cells = row_cells(row, self.mailboxes.get(row.job.entity_id), verification.state)
        if cells[2].cell_len > self._state_width:  # the columns are sized again to fit
            self._fill_table()
        else:
            self.table.update_cell(job_id, "state", cells[2])
        self._say_what_is_shown()

    def _look_up_names(self) -> None:
        """Name the mailboxes that only have an entity id, after the rows are shown."""
        unnamed = list(dict.fromkeys(
            row.job.entity_id for row in self.rows
            if mailbox_label(row, None) == row.job.entity_id
            and row.job.entity_id not in self.mailboxes))
        if not unnamed or self.aws is None:
            return
        aws, organization_id = self.aws, self.organization_id
        self.calls.run(lambda: mailboxes_by_id(aws, organization_id, unnamed), self._named,
                       self._not_named, message="Looking up the mailboxes' names…",
                       group="names")

    def _named(self, mailboxes: dict[str, Mailbox | None]) -> None:
        self.mailboxes.update(mailboxes)
        self._fill_table()
        self._say_what_is_shown()

    def _not_named(self, problem: AwsProblem) -> None:
        self._say_what_is_shown(f"Mailbox names could not be looked up, so ids are shown: "
                                f"{problem.sentence()}")

    def _failed(self, problem: AwsProblem) -> None:
        self.status.problem(f"{problem.sentence()}  (r retries)")

    # ---- the table ---------------------------------------------------------------------
    @property
    def shown(self) -> list[JobRow]:
        return matching(self.rows, self.query_one("#filter", Input).value, self.mailboxes)

    def _fill_table(self) -> None:
        """The rows shown, with the S3 column only when it has room to say something (at 80
        columns it has none: the monitor shows the S3 object)."""
        table = self.table
        pointed = self.pointed
        shown = self.shown
        proofs = self.verifier.results if self.verifier else {}
        cells = []
        for row in shown:
            proof = proofs.get(row.job.job_id)
            cells.append(row_cells(row, self.mailboxes.get(row.job.entity_id),
                                   proof.state if proof else None))
        scrollbar = 2
        room = room_for_where((table.size.width or self.app.size.width - 2) - scrollbar, cells)
        table.clear(columns=True)
        self._add_columns(where=bool(room))
        self._state_width = max((row_cell[2].cell_len for row_cell in cells), default=0)
        for row, row_cell in zip(shown, cells, strict=True):
            table.add_row(*row_cell, *((where_cell(row, room),) if room else ()),
                          key=row.job.job_id)
        if pointed is not None and pointed.job.job_id in {r.job.job_id for r in self.shown}:
            table.move_cursor(row=table.get_row_index(pointed.job.job_id))

    @property
    def pointed(self) -> JobRow | None:
        table = self.table
        if table.row_count == 0 or not 0 <= table.cursor_row < table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((row for row in self.rows if row.job.job_id == key), None)

    def _say_what_is_shown(self, also: str = "") -> None:
        listing = self._listing
        if listing is None:
            return
        older = sum(1 for row in self.rows if row.from_journal)
        shown = len(self.shown)
        total = len(self.rows)
        parts = [f"{shown} of {total} jobs" if shown != total
                 else "No export jobs yet" if not total else f"{total} job{'s' * (total > 1)}"]
        if older:
            parts.append(f"{older} from the journal only (not listed by WorkMail, so their "
                         "state is the last one seen here)")
        sentence = "; ".join(parts) + "."
        if self.verifier is not None and self.verifier.results:
            sentence += " " + marks_legend(v.state for v in self.verifier.results.values())
        warnings = " ".join(w for w in (listing.journal_problem, also) if w)
        if listing.service_problem is not None:
            self.status.problem(f"WorkMail's list could not be read, so only the journal's "
                                f"jobs are shown. {listing.service_problem.sentence()}  "
                                "(r retries)")
        elif warnings:
            self.status.warning(f"{sentence} {warnings}")
        else:
            self.status.note(sentence)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self._fill_table()
            self._say_what_is_shown()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            self.table.focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = next((r for r in self.rows if r.job.job_id == event.row_key.value), None)
        if row is None or self.aws is None:
            return
        mailbox = self.mailboxes.get(row.job.entity_id)
        monitor = MonitorScreen(self.aws, self.organization_id, row.job.job_id, known=row.job,
                                mailbox=mailbox_title(mailbox, mailbox_label(row, mailbox)),
                                timing=self.timing)
        self.app.push_screen(monitor, lambda _: self.action_refresh())

    # ---- keys --------------------------------------------------------------------------
    def action_focus_filter(self) -> None:
        self.query_one("#filter", Input).focus()

    def action_close(self) -> None:
        self.dismiss()

    def action_stay(self) -> None:
        """`j` on the jobs screen: already here."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        self.calls.settle(event)


def open_jobs_screen(app: WizardApp) -> None:
    """Show the jobs screen over the wizard: from a monitor opened from it, go back to it;
    from another monitor, replace it; from a step, put it on top."""
    screen = app.screen
    if isinstance(screen, (JobsScreen, ModalScreen)):
        return
    if _step_about_to_move(app):
        app.notify("Wait for this step's check to finish, then press j.", severity="warning")
        return
    if isinstance(screen, MonitorScreen):
        below = app.screen_stack[-2] if len(app.screen_stack) > 1 else None
        if isinstance(below, JobsScreen):
            screen.dismiss()
        else:
            app.switch_screen(jobs_screen_for(app))
        return
    app.push_screen(jobs_screen_for(app))


def jobs_screen_for(app: WizardApp) -> JobsScreen:
    state = app.state
    return JobsScreen(aws=app.aws, settings=state.settings,
                      organization_id=state.request.organization_id,
                      organization=state.organization, timing=app.job_timing)


def _step_about_to_move(app: App[Any]) -> bool:
    """A step whose check or submit is running moves on by itself when it ends (it switches
    the top screen): the jobs screen must not be on top then."""
    if getattr(app, "submitting", False):
        return True
    return any(worker.node is app.screen and worker.group in ("check", "submit")
               and worker.is_running for worker in app.workers)
