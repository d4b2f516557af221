"""The plain face's steps, one function per wizard stage: ask, call the step's core function
(from the step spec or `tui.wizard.calls`), and hand the answer to the wizard model.

Each returns None to go on walking, or the exit status that ends the walk.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TypeVar

from questionary import Choice

from tui.commands import exit_codes
from tui.core.fields import is_reference
from tui.core.model import (
    BucketChoice,
    Field,
    KeyChoice,
    Level,
    Mailbox,
    Organization,
    RoleChoice,
)
from tui.core.submit import OPERATION as START_OPERATION
from tui.plain.mailbox_completer import threaded
from tui.plain.plain_wizard import PlainWizard, Step
from tui.plain.setup_steps import CREATE, create_choice, run_action
from tui.plain.terminal import choose, confirm, say, type_in, type_with_completion
from tui.wizard import calls
from tui.wizard import state as wz
from tui.wizard.aws_command import aws_cli_command
from tui.wizard.choices import landing_preview, match_key, match_role, no_exact_mailbox
from tui.wizard.present import (
    FIELD_LABELS,
    LEVEL_MARKS,
    choice_note,
    field_value,
    finding_lines,
    mailbox_label,
    not_usable,
    not_verified,
    started_words,
    submit_failed_headline,
    worst,
)
from tui.wizard.problems import problem_of
from tui.wizard.setup_actions import ActionKind, enabled_by_setup
from tui.wizard.stages import INPUT_STAGES, Stage, stage_of
from tui.wizard.steps import spec

TYPE_IT = "type"  # the value of the "type it instead" choice
QUIT = "quit"


def _discover(w: PlainWizard) -> list[object]:
    step = spec(w.state.stage)
    assert step.discover is not None
    say(step.loading)
    return list(step.discover(w.connection, w.state.request))


def _another_region(w: PlainWizard) -> int | None:
    """Pick another Region (or quit); the walk goes back to the connection step."""
    regions = calls.connection_choices().regions
    current = w.aws.region if w.aws else w.state.settings.region
    region = choose("Which Region?", [Choice(r, r) for r in regions] + [Choice("Quit", QUIT)],
                    default=current)
    if region == QUIT:
        return exit_codes.INTERRUPTED
    w.aws = None
    w.state = wz.goto(wz.with_settings(w.state, replace(w.state.settings, region=region)),
                      Stage.CONNECTION)
    return None


# ---- 1 connection ------------------------------------------------------------------------

def connection_step(w: PlainWizard) -> int | None:
    w.heading()
    say(spec(Stage.CONNECTION).loading)
    try:
        aws, identity = calls.connect(w.state.settings)
    except Exception as exc:
        w.show_problem(problem_of(exc, "connect"))
        answer = choose("What now?", [Choice("Try again", "retry"),
                                      Choice("Choose another Region", "region"),
                                      Choice("Quit", QUIT)])
        if answer == "region":
            return _another_region(w)
        return exit_codes.AWS_ERROR if answer == QUIT else None
    w.aws = aws
    say(f"Connected to account {identity.account} as {identity.arn}, Region {identity.region}.")
    request, resolved = calls.resolve_references(aws, w.state.request)  # prefilled names
    for finding in resolved:
        say("\n".join(finding_lines(finding)))
    w.state = wz.resume(wz.connected(wz.with_references(w.state, request, resolved), identity))
    return None


# ---- 2 organization ----------------------------------------------------------------------

def organization_step(w: PlainWizard) -> int | None:
    w.heading()
    organizations = sorted((o for o in _discover(w) if isinstance(o, Organization)),
                           key=lambda o: (not o.selectable, o.alias.lower()))
    if not organizations:
        say(f"No WorkMail organization in {w.connection.region}.")
        return _another_region(w)
    choices = [Choice(f"{o.alias} ({', '.join(filter(None, (o.id, o.default_domain)))})", o,
                      disabled=o.why_not or None) for o in organizations]
    choices.append(Choice("Choose another Region", TYPE_IT))
    chosen = choose("Organization:", choices, default=w.state.organization)
    if chosen == TYPE_IT:
        return _another_region(w)
    w.check_and_advance(wz.choose_organization(w.state, chosen))
    return None


# ---- 3 mailbox ---------------------------------------------------------------------------

def _mailbox_choice(mailbox: Mailbox) -> Choice:
    kind = (mailbox.resource_type or mailbox.kind).title()
    return Choice(f"{mailbox_label(mailbox)} ({kind}, {mailbox.state.lower()})", mailbox)


def mailbox_step(w: PlainWizard) -> int | None:
    w.heading()
    aws, org_id = w.connection, w.state.request.organization_id
    mailbox = w.state.mailbox
    typed = type_with_completion(
        "Mailbox (start of a name, display name or email):", Field.ENTITY,
        threaded(lambda text: calls.search_mailboxes(aws, org_id, text)),
        default=(mailbox.email or mailbox.name) if mailbox else w.state.request.entity_id)
    say(f"Looking up {typed}…")
    found = calls.resolve_mailbox(aws, org_id, typed)
    if found is None:
        say(spec(Stage.MAILBOX).loading)
        listed = calls.search_mailboxes(aws, org_id, typed)
        if not listed:
            say(no_exact_mailbox(typed), style="fg:ansired")
            return None
        if len(listed) == 1:
            found = listed[0]  # the only match, as Enter takes it in the Textual face
        else:
            found = choose(f"Which mailbox starting with {typed!r}?",
                           [_mailbox_choice(m) for m in listed] + [Choice("Search again", None)])
        if found is None:
            return None
    w.check_and_advance(wz.choose_mailbox(w.state, found))
    return None


# ---- 4 role and 5 key ----------------------------------------------------------------------

Chosen = TypeVar("Chosen", RoleChoice, KeyChoice)


def _pick_or_type(w: PlainWizard, question: str, choices: list[Choice], default: Chosen | None,
                  field: Field, typed_as: str, current: str,
                  match: Callable[[str], tuple[str, Chosen | None]]
                  ) -> tuple[str, Chosen | None] | str | None:
    """A listed role or key, or one typed (`typed_as` names what may be typed): its ARN and
    its listed choice (None when it is not listed). A name, id or alias no listed one has is
    looked up; None when it names nothing (said, and the step is asked again). CREATE when
    the list's "Create…" choice was taken."""
    chosen = choose(question, [*choices, Choice(f"Type a {typed_as}…", TYPE_IT)], default)
    if chosen == CREATE:
        return CREATE
    if chosen != TYPE_IT:
        return chosen.arn, chosen
    text = type_in(f"{typed_as[0].upper()}{typed_as[1:]}:", field, current,
                   to_value=lambda t: match(t)[0])
    arn, listed = match(text)
    if listed is not None or not is_reference(field, arn):
        return arn, listed
    say(f"Looking up {arn}…")
    arn, finding = calls.resolve_reference(w.connection, field, arn)
    say("\n".join(finding_lines(finding)),
        style="" if finding.level is Level.OK else "fg:ansired")
    return (arn, None) if finding.level is Level.OK else None


def _role_choice(role: RoleChoice) -> Choice:
    """A role by name and whether it trusts WorkMail's export; the details (which trust
    conditions, or why not) are shown under the list while the pointer is on it."""
    trust = "trusts WorkMail export" if role.trusts_workmail else "does not trust WorkMail"
    named = ", names this organization" if role.for_organization else ""
    return Choice(f"{role.name} ({trust}{named})", role,
                  description=role.note or None)


def role_step(w: PlainWizard) -> int | None:
    w.heading()
    roles = [r for r in _discover(w) if isinstance(r, RoleChoice)]
    extra = [] if any(r.trusts_workmail for r in roles) else [create_choice(Stage.ROLE)]
    picked = _pick_or_type(w, "IAM role:", [_role_choice(r) for r in roles] + extra,
                           w.state.role, Field.ROLE, "role ARN or name",
                           w.state.request.role_arn, lambda text: match_role(text, roles))
    if picked == CREATE:
        run_action(w, ActionKind.CREATE)
    elif isinstance(picked, tuple):
        w.check_and_advance(wz.choose_role(w.state, *picked))
    return None


def _with_note(title: str, choice: KeyChoice | BucketChoice) -> str:
    """A usable choice's title with what the chosen role's policies say of it."""
    note = choice_note(choice) if choice.usable else ""
    return f"{title}: {note}" if note else title


def _key_title(key: KeyChoice) -> str:
    return _with_note(f"{', '.join(key.aliases) or '(no alias)'} ({key.key_id}, {key.state})",
                      key)


def key_step(w: PlainWizard) -> int | None:
    w.heading()
    keys = [k for k in _discover(w) if isinstance(k, KeyChoice)]
    choices = [Choice(_key_title(k), k,
                      disabled=None if enabled_by_setup(k) else k.why_not or None) for k in keys]
    if not any(k.usable for k in keys):
        choices.append(create_choice(Stage.KEY))
    picked = _pick_or_type(
        w, "KMS key:", choices, w.state.key, Field.KMS_KEY, "key ARN, key id or alias",
        w.state.request.kms_key_arn, lambda text: match_key(text, keys))
    if picked == CREATE:
        run_action(w, ActionKind.CREATE)
        return None
    if not isinstance(picked, tuple):
        return None
    arn, key = picked
    if key is not None and not key.usable and not enabled_by_setup(key):
        say(not_usable(key.why_not), style="fg:ansired")
        return None
    w.check_and_advance(wz.choose_key(w.state, arn, key))
    return None


# ---- 6 destination -----------------------------------------------------------------------

def destination_step(w: PlainWizard) -> int | None:
    w.heading()
    request = w.state.request
    buckets = [b for b in _discover(w) if isinstance(b, BucketChoice)]
    choices = [Choice(_with_note(f"{b.name} ({b.region})", b), b, disabled=b.why_not or None)
               for b in buckets]
    choices.append(Choice("Type a bucket name…", TYPE_IT))
    choices.append(create_choice(Stage.DESTINATION))
    listed = next((b for b in buckets if b.name == request.bucket), None)
    chosen = choose("S3 bucket:", choices, default=listed)
    if chosen == CREATE:
        run_action(w, ActionKind.CREATE)
        return None
    if chosen == TYPE_IT:
        bucket = type_in("Bucket name:", Field.BUCKET, request.bucket)
        choice = next((b for b in buckets if b.name == bucket), None)
    else:
        bucket, choice = chosen.name, chosen
    prefix = type_in("S3 prefix:", Field.PREFIX, request.prefix)
    description = type_in("Description (optional):", Field.DESCRIPTION, request.description,
                          to_value=lambda t: t)
    say(f"Lands at {landing_preview(bucket, prefix)}")
    w.check_and_advance(wz.choose_destination(w.state, bucket, prefix, description, choice))
    return None


# ---- 7 review ----------------------------------------------------------------------------

def _show_review(w: PlainWizard) -> None:
    state = w.state
    for field, label in FIELD_LABELS.items():
        level = worst(f for f in state.findings if f.field is field)
        mark = LEVEL_MARKS[level] if level else "-"
        say(f"  {mark} {label:<12} {field_value(state, field) or '(none)'}")
    for label, lines in w.findings_by_field().items():
        say(f"{label}:", style="bold")
        for line in lines:
            say(f"  {line}")
    request = state.request
    say(f"The export lands at {landing_preview(request.bucket, request.prefix)}")
    say("Equivalent AWS CLI command:")
    say(aws_cli_command(request, state.settings, w.connection.region, multiline=True),
        style="fg:ansicyan")


def review_step(w: PlainWizard) -> int | None:
    w.heading()
    step = spec(Stage.REVIEW)
    assert step.check is not None
    say(step.loading)
    findings = step.check(w.connection, w.state.request)
    w.state = wz.with_findings(w.state, tuple(FIELD_LABELS), findings)
    _show_review(w)
    errors = [f for f in w.state.findings if f.level is Level.ERROR]
    unverified = not_verified(w.state.findings)
    if unverified and not errors:
        say(f"⚠ Not verified: {unverified} (marked {LEVEL_MARKS[Level.UNCHECKED]}), so the "
            "export may still fail. Submit only if you know those values are right.",
            style="fg:ansiyellow")
    blocked = f"{len(errors)} error(s) must be fixed first" if errors else None
    choices = [Choice("Submit the export job", "submit", disabled=blocked)]
    choices += [Choice(f"Change: {spec(s).title.removeprefix('Choose ')}", s)
                for s in INPUT_STAGES if s is not Stage.CONNECTION]
    choices.append(Choice("Quit without submitting", QUIT))
    trouble = stage_of(errors[0].field) if errors else "submit"
    answer = choose("What now?", choices, default=trouble)
    if answer == QUIT:
        say("Nothing was submitted.")
        return exit_codes.CHECK_ERRORS if errors else exit_codes.INTERRUPTED
    if isinstance(answer, Stage):
        w.state = wz.revisit(w.state, answer)
        return None
    mailbox = field_value(w.state, Field.ENTITY)
    where = landing_preview(w.state.request.bucket, w.state.request.prefix)
    # The one step that cannot be undone: Enter alone does not take it.
    if confirm(f"Start the export of {mailbox} to {where}?", default=False):
        _submit(w)
    return None


def _submit(w: PlainWizard) -> None:
    """StartMailboxExportJob with the request's ClientToken, recorded in the journal first."""
    say(spec(Stage.RESULT).loading)
    w.submitting = True
    try:
        job = calls.submit(w.connection, w.state.request, source="plain",
                           mailbox=w.state.mailbox)
    except Exception as exc:
        w.state = wz.failed(w.state, problem_of(exc, START_OPERATION))
    else:
        w.state = wz.submitted(w.state, job)
    finally:
        w.submitting = False


# ---- 8 result ----------------------------------------------------------------------------

def result_step(w: PlainWizard) -> int | None:
    job, problem = w.state.result, w.state.problem
    if job is not None:
        from tui.core.journal import journal_path

        headline, note = started_words(job)
        say()
        say(headline, style="fg:ansigreen bold" if job.state in ("RUNNING", "COMPLETED")
            else "fg:ansiyellow bold")
        say(f"JobId  {job.job_id}", style="bold")
        if note:
            say(note)
        if job.journal_warning:
            say(f"⚠ {job.journal_warning}", style="fg:ansiyellow")
        elif w.demo:
            say("Recorded in the demo's throw-away journal.")
        else:
            say(f"Recorded in the journal at {journal_path()}")
        for line in follow_up(job.job_id, w.demo):
            say(line)
        return exit_codes.OK
    assert problem is not None
    say()
    say(submit_failed_headline(problem),
        style="fg:ansiyellow bold" if problem.outcome_unknown else "fg:ansired bold")
    w.show_problem(problem)
    edit = wz.edit_stage(w.state)
    answer = choose("What now?", [Choice("Retry (same ClientToken: at most one job)", "retry"),
                                  Choice(f"Edit: {spec(edit).title}", "edit"),
                                  Choice("Quit", QUIT)])
    if answer == "retry":
        _submit(w)
    elif answer == "edit":
        w.state = wz.edit(w.state)
    else:
        return exit_codes.AWS_ERROR
    return None


def follow_up(job_id: str, demo: bool) -> list[str]:
    """How to follow the job after the walk. The demo's simulated account ends with this
    process, so there a command to run later would only fail: say so instead."""
    command = f"workmail-export status {job_id} --wait"
    if not demo:
        return [f"Follow it with: {command}"]
    return ["This job runs in the demo's simulated AWS, which ends when this program does, so "
            "no command can follow it afterwards.",
            f"On your own account you would follow a job with: {command}"]


STEPS: dict[Stage, Step] = {
    Stage.CONNECTION: connection_step,
    Stage.ORGANIZATION: organization_step,
    Stage.MAILBOX: mailbox_step,
    Stage.ROLE: role_step,
    Stage.KEY: key_step,
    Stage.DESTINATION: destination_step,
    Stage.REVIEW: review_step,
    Stage.RESULT: result_step,
}

