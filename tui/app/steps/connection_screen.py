"""Step 1: the AWS profile and WorkMail Region, and who the caller turns out to be."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Select, Static

from tui.app.kit.long_lived import load_then_freeze
from tui.app.kit.safe_markup import literal, markup_safe
from tui.app.steps.step_screen import StepScreen, problem_text
from tui.core.model import AwsProblem, ExportRequest, Finding, Identity, Level
from tui.core.safe_text import shown
from tui.wizard import calls
from tui.wizard import state as wz
from tui.wizard.stages import Stage

if TYPE_CHECKING:
    from tui.core.session import Aws

DEFAULT_PROFILE = ""  # Select value meaning "no profile: what the environment says"


class ConnectionScreen(StepScreen):
    """Profile and Region selects, the identity they give, Continue."""

    STAGE = Stage.CONNECTION
    CSS_PATH = "connection_screen.tcss"
    _regions: list[str] = []

    def compose_body(self) -> ComposeResult:
        settings = self.state.settings
        with Horizontal(id="connection-selects"):
            with Vertical():
                yield Static("AWS profile", classes="field-label")
                yield Select([(literal(self._profile_label(settings.profile)),
                               settings.profile or "")],
                             value=settings.profile or DEFAULT_PROFILE, allow_blank=False,
                             id="profile")
            with Vertical():
                yield Static("Region", classes="field-label")
                region = settings.region
                yield Select([(region, region)] if region else [],
                             value=region or Select.NULL, prompt="as your AWS config says",
                             id="region")
        yield Static(id="identity")
        with Horizontal(classes="buttons"):
            yield Button("Continue ▸", variant="primary", id="continue", disabled=True)

    @staticmethod
    def _profile_label(profile: str | None) -> str:
        return profile or "default profile"

    def load(self) -> None:
        # The profile takes keys at once; Continue takes the cursor when the account is shown.
        self.query_one("#profile", Select).focus()
        app = self.app
        self.call_aws(lambda: load_then_freeze(app, "choices read", calls.connection_choices),
                      self._fill_choices,
                      message="Reading your AWS profiles…", group="choices")
        if self.state.identity is not None and self.wizard.aws is not None:
            self._show_identity(self.state.identity)
        else:
            self._connect()

    def _fill_choices(self, choices: calls.ConnectionChoices) -> None:
        settings = self.state.settings
        profiles = list(choices.profiles)
        if settings.profile and settings.profile not in profiles:
            profiles.insert(0, settings.profile)
        profile_select = self.query_one("#profile", Select)
        # Profile names come from the AWS config files: literal Text, not markup.
        profile_select.set_options([(literal(self._profile_label(None)), DEFAULT_PROFILE)]
                                   + [(literal(p), p) for p in profiles])
        profile_select.value = settings.profile or DEFAULT_PROFILE
        region = self._effective_region()
        regions = list(choices.regions)
        if region and region not in regions:
            regions.append(region)
        self._regions = regions
        region_select = self.query_one("#region", Select)
        region_select.set_options([(r, r) for r in regions])
        if region in regions:
            region_select.value = region

    def _effective_region(self) -> str:
        identity = self.state.identity
        return self.state.settings.region or (identity.region if identity else "")

    def _connect(self) -> None:
        settings = self.state.settings
        self.query_one("#continue", Button).disabled = True
        self.query_one("#identity", Static).update("")
        app, request = self.app, self.state.request
        self.call_aws(lambda: load_then_freeze(app, "connected",  # botocore is imported here
                                               lambda: calls.connect_resolving(settings,
                                                                               request)),
                      self._connected,
                      message="Checking who you are…", group="connect",
                      failed=self._not_connected)

    def _connected(self, result: tuple[Aws, Identity, ExportRequest, list[Finding]]) -> None:
        aws, identity, request, resolved = result
        for finding in resolved:  # a prefilled role name, key id or alias: what it named
            self.notify(markup_safe(finding.message),
                        severity="information" if finding.level is Level.OK
                        else "error")
        self.wizard.state = wz.with_references(self.state, request, resolved)
        app = self.app
        # The later steps' clients (service models) made now, in the background.
        app.run_worker(lambda: load_then_freeze(app, "clients loaded",
                                                lambda: calls.load_clients(aws)),
                       thread=True, group="load-clients", exit_on_error=False)
        self.wizard.connected(aws, wz.connected(self.state, identity))
        if self.wizard.state.stage is Stage.CONNECTION and self.is_current:
            self._show_identity(identity)
            self.refresh_stage_bar()
            region_select = self.query_one("#region", Select)
            if not self.state.settings.region and identity.region in self._regions:
                region_select.value = identity.region

    def _show_identity(self, identity: Identity) -> None:
        text = Text()
        text.append("Account  ", style="dim")
        text.append(shown(identity.account), style="bold")
        text.append("\nCaller   ", style="dim")
        text.append(shown(identity.arn))
        text.append("\nRegion   ", style="dim")
        text.append(shown(identity.region or "-"))
        self.query_one("#identity", Static).update(text)
        button = self.query_one("#continue", Button)
        button.disabled = False
        button.focus()
        self.refresh_bindings()

    def _not_connected(self, problem: AwsProblem) -> None:
        self.status.problem(problem_text(problem))

    def on_select_changed(self, event: Select.Changed) -> None:
        value = "" if event.value is Select.NULL else str(event.value)
        settings = self.state.settings
        if event.select.id == "profile":
            new = replace(settings, profile=value or None)
        elif value and value != self._effective_region():
            new = replace(settings, region=value)
        else:
            return
        if new != settings:
            self.wizard.reset_connection(new)
            self.refresh_stage_bar()
            self._connect()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "continue":
            self.action_next()

