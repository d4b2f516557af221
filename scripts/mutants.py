# ruff: noqa: E501  (the mutants quote lines of code as they are)
"""The curated mutants of scripts/mutation_check.py: small deliberate bugs in the modules that
carry the project's promises (field rules, submit, journal, checks, policies, the batch
scheduler and store, the download), each with the tests that must fail because of it.

A mutant replaces one piece of a module's text (found exactly once) with another. `tests` are
pytest node ids or files, chosen to be the quick ones written for that promise. A mutant no
test can tell from the original is kept with `equivalent` saying why (it is listed, not run).
Keep ids stable: benchmarks/README.md reports scores by them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Mutant:
    id: str
    module: str
    what: str
    find: str
    replace: str
    tests: tuple[str, ...]
    equivalent: str = ""  # why no test can tell it from the original (then it is not run)


FIELDS = "tui/core/fields.py"
SUBMIT = "tui/core/submit.py"
JOURNAL = "tui/core/journal.py"
CHECKS = "tui/core/checks.py"
RECENT = "tui/core/recent.py"
DOCUMENTS = "tui/core/setup/documents.py"
POLICIES = "tui/core/policies.py"
SCHEDULER = "tui/core/batch/scheduler.py"
STORE = "tui/core/batch/store.py"
TRANSFER = "tui/core/retrieve/transfer.py"
PART_RECORD = "tui/core/retrieve/part_record.py"

EDGES = "tests/core/test_field_edges.py"
FIELD_TESTS = "tests/core/test_fields.py"
SUBMIT_TESTS = "tests/core/test_submit.py"
JOURNAL_TESTS = "tests/core/test_journal.py"
CHECK_TESTS = "tests/core/test_checks.py"
POLICY_TESTS = "tests/core/test_policies.py"
MATRIX = "tests/core/test_oracle_matrix.py::test_hard_case_under_every_reading"
SCHED = "tests/batch/test_scheduler.py"
STORE_TESTS = "tests/batch/test_store_and_report.py"
STORE_ORDER = f"{STORE_TESTS}::test_rows_come_back_in_plan_order_and_a_row_of_no_run_is_refused"
JOURNAL_AGAIN = f"{JOURNAL_TESTS}::test_an_answer_recorded_again_loses_nothing_known_since"
TRANSFER_TESTS = "tests/retrieve/test_transfer.py"


# The test files that cover each module, for scoring an older tree whose tests lack the
# named ones (mutation_check.py --older).
USUAL_TESTS: dict[str, tuple[str, ...]] = {
    FIELDS: (FIELD_TESTS,),
    SUBMIT: (SUBMIT_TESTS,),
    JOURNAL: (JOURNAL_TESTS,),
    CHECKS: (CHECK_TESTS, POLICY_TESTS),
    DOCUMENTS: (CHECK_TESTS,),
    RECENT: ("tests/commands/test_exported_today.py",),
    POLICIES: (POLICY_TESTS, CHECK_TESTS),
    SCHEDULER: (SCHED,),
    STORE: (STORE_TESTS,),
    TRANSFER: (TRANSFER_TESTS,),
    PART_RECORD: (TRANSFER_TESTS,),
}


def matrix(case: str) -> str:
    return f"{MATRIX}[{case}]"


def misconfigured(name: str) -> str:
    return f"{CHECK_TESTS}::test_each_misconfiguration_is_caught_by_its_check[{name}]"


def flip(id: str, module: str, what: str, opening: str, *tests: str) -> Mutant:
    """A WARNING branch that returns OK instead."""
    return Mutant(id, module, f"warning -> ok: {what}", opening,
                  opening.replace("Level.WARNING", "Level.OK"), tests)


MUTANTS: list[Mutant] = [
    # --- field rules -------------------------------------------------------------------------
    Mutant("F1", FIELDS, "one character over the maximum accepted",
           "    if rule.regex.fullmatch(value) and rule.min_len <= len(value) <= rule.max_len:\n"
           "        return bucket_name_problem(value)",
           "    if rule.regex.fullmatch(value) and rule.min_len <= len(value) <= rule.max_len + 1:\n"
           "        return bucket_name_problem(value)", (EDGES,)),
    Mutant("F2", FIELDS, "a pattern matching part of the value is enough",
           "    if rule.regex.fullmatch(value) and rule.min_len <= len(value) <= rule.max_len:\n"
           "        return bucket_name_problem(value)",
           "    if rule.regex.search(value) and rule.min_len <= len(value) <= rule.max_len:\n"
           "        return bucket_name_problem(value)", (EDGES,)),
    Mutant("F3", FIELDS, "client tokens and job ids lose their last character",
           "rule.min_len <= len(value) <= rule.max_len:\n        return None",
           "rule.min_len <= len(value) < rule.max_len:\n        return None",
           (f"{EDGES}::test_client_tokens_and_job_ids_at_their_edges",)),
    Mutant("F4", FIELDS, "two-character bucket names accepted",
           "    if len(name) < S3_MIN_BUCKET_NAME:",
           "    if len(name) < S3_MIN_BUCKET_NAME - 1:", (EDGES,)),
    Mutant("F5", FIELDS, "two dots in a row accepted in a bucket name",
           '    if ".." in name:', '    if "..." in name:', (EDGES,)),
    Mutant("F6", FIELDS, "a description loses the spaces around it",
           "    return value if field is Field.DESCRIPTION else value.strip()",
           "    return value.strip()",
           (f"{FIELD_TESTS}::test_a_description_keeps_its_spaces",)),
    Mutant("F7", FIELDS, "every minimum length one higher",
           '            min_len=meta.get("min", 0),', '            min_len=meta.get("min", 0) + 1,',
           (EDGES,)),
    Mutant("F8", FIELDS, "new buckets with uppercase letters advised",
           "    if name != name.lower():", "    if False:",
           (f"{FIELD_TESTS}::test_uppercase_is_fine_for_a_legacy_bucket_but_never_for_a_new_one",)),
    Mutant("F9", FIELDS, "a value longer than its complete pattern crashes the explainer",
           "            if not after and not _expected(atoms, states):",
           "            if False:",
           (f"{EDGES}::test_the_longest_values_are_named_with_their_length",)),
    Mutant("F10", FIELDS, "reserved bucket prefixes let through",
           "        if name.lower().startswith(prefix):",
           "        if name.lower().startswith(prefix + '~'):", (EDGES,)),
    # --- submit ------------------------------------------------------------------------------
    Mutant("S1", SUBMIT, "a bad field is sent to AWS",
           "    _refuse_bad_fields(request)\n", "",
           (f"{SUBMIT_TESTS}::test_a_bad_field_is_refused_before_any_call",)),
    Mutant("S2", SUBMIT, "the ClientToken is left to botocore (a retry starts a second job)",
           'start_mailbox_export_job(**request.api_params())',
           'start_mailbox_export_job(**{k: v for k, v in request.api_params().items() '
           'if k != "ClientToken"})',
           (f"{SUBMIT_TESTS}::test_a_retry_of_the_same_request_returns_the_same_job",)),
    Mutant("S3", SUBMIT, "the submit is not recorded before the call",
           "        journal_failure = _journal(lambda: first_send.append(\n"
           "            recorder.record_submit(request, aws.region)))",
           '        journal_failure = ""',
           (f"{SUBMIT_TESTS}::test_the_recorder_hears_of_the_submit_before_the_call_and_of_the"
            "_job_before_return",)),
    Mutant("S4", SUBMIT, "the JobId is not recorded",
           "    if recorder is not None and not journal_failure:",
           "    if recorder is not None and journal_failure:",
           (f"{SUBMIT_TESTS}::test_the_real_journal_records_the_started_job",)),
    Mutant("S5", SUBMIT, "the journal warning said when nothing failed",
           "    if journal_failure:\n        warning =", "    if not journal_failure:\n        warning =",
           (SUBMIT_TESTS,)),
    Mutant("S6", SUBMIT, "an unknown outcome loses its ClientToken (no safe retry offered)",
           "            problem = replace(problem, client_token=token)",
           "            pass",
           (f"{SUBMIT_TESTS}::test_a_start_whose_every_answer_is_lost_carries_its_token_and"
            "_stays_unanswered",)),
    Mutant("S7", SUBMIT, "a refused start not recorded (its token offered again as unanswered)",
           "            _journal(lambda: recorder.record_refused(token, problem))",
           "            pass",
           (f"{SUBMIT_TESTS}::test_a_refused_start_is_recorded_as_refused_and_carries_no_token",)),
    Mutant("S8", SUBMIT, "a repeated ClientToken's job assumed RUNNING",
           "    new = first_send == [True]", "    new = True",
           (f"{SUBMIT_TESTS}::test_a_first_send_is_known_running_and_a_repeated_token_is_not"
            "_assumed_so",)),
    # --- journal -----------------------------------------------------------------------------
    Mutant("J1", JOURNAL, "a retried submit is refused by the journal",
           '            " ON CONFLICT (client_token) DO NOTHING",', '            "",',
           (f"{JOURNAL_TESTS}::test_a_retried_submit_with_the_same_token_is_one_entry",)),
    Mutant("J2", JOURNAL, "commits not forced to disk",
           '        connection.execute("PRAGMA synchronous=FULL")',
           '        connection.execute("PRAGMA synchronous=OFF")',
           (f"{JOURNAL_TESTS}::test_commits_are_on_disk_when_a_call_returns",)),
    Mutant("J3", JOURNAL, "record_started overwrites a known state",
           """            " state = CASE WHEN state IN ('', ?) THEN 'RUNNING' ELSE state END,\"""",
           """            " state = CASE WHEN ? IS NOT NULL THEN 'RUNNING' END,\"""", (JOURNAL_AGAIN,)),
    Mutant("J4", JOURNAL, "record_started overwrites the start time",
           '"UPDATE jobs SET job_id = ?, started_at = COALESCE(started_at, ?),"',
           '"UPDATE jobs SET job_id = ?, started_at = ?,"', (JOURNAL_AGAIN,)),
    Mutant("J5", JOURNAL, "entries oldest first",
           '" ORDER BY COALESCE(started_at, submitted_at) DESC, rowid DESC",',
           '" ORDER BY COALESCE(started_at, submitted_at) ASC, rowid ASC",',
           (f"{JOURNAL_TESTS}::test_entries_are_newest_first_and_filter_by_organization",)),
    Mutant("J6", JOURNAL, "entries of every organization",
           '("WHERE organization_id = ?", (org_id,)) if org_id else ("", ())',
           '("", ())',
           (f"{JOURNAL_TESTS}::test_entries_are_newest_first_and_filter_by_organization",)),
    Mutant("J7", JOURNAL, "a JobId without a recorded submit goes unreported",
           "        if not changed:\n            raise JournalError",
           "        if False:\n            raise JournalError",
           (f"{JOURNAL_TESTS}::test_a_started_job_without_a_recorded_submit_is_reported",)),
    Mutant("J8", JOURNAL, "a locked or newer journal moved aside as damaged",
           "    return type(exc) is sqlite3.DatabaseError",
           "    return isinstance(exc, sqlite3.DatabaseError)",
           (f"{JOURNAL_TESTS}::test_a_journal_from_a_newer_version_is_reported_not_destroyed",)),
    Mutant("J9", JOURNAL, "a polled state overwrites the description",
           """            " description = CASE WHEN description = '' THEN ? ELSE description END\"""",
           """            " description = ?\"""", (JOURNAL_AGAIN,)),
    Mutant("J10", JOURNAL, "a refused submit's token offered as unanswered",
           """                    "SELECT client_token FROM jobs WHERE job_id IS NULL AND state = ''\"""",
           """                    "SELECT client_token FROM jobs WHERE job_id IS NULL\"""",
           (f"{JOURNAL_TESTS}::test_a_refused_submit_does_not_lend_its_token_until_it_starts_a_job",)),
    Mutant("J11", JOURNAL, "an unanswered token lent to a request with another description",
           '''                    " AND description = ? ORDER BY submitted_at DESC, rowid DESC LIMIT 1",''',
           '''                    " AND ? IS NOT NULL ORDER BY submitted_at DESC, rowid DESC LIMIT 1",''',
           (f"{JOURNAL_TESTS}::test_a_submit_without_an_answer_gives_its_token_to_the_same_request"
            "_only",)),
    Mutant("J12", JOURNAL, "a refusal overwrites a job already started with that token",
           '''            " WHERE client_token = ? AND job_id IS NULL AND state = ''",''',
           '''            " WHERE client_token = ?",''',
           (f"{JOURNAL_TESTS}::test_a_refusal_after_a_started_job_keeps_the_job",)),
    Mutant("J13", JOURNAL, "a refused submit that later starts keeps its refusal text",
           '''            " error_info = CASE WHEN state = ? THEN '' ELSE error_info END"''',
           '''            " error_info = CASE WHEN ? IS NULL THEN '' ELSE error_info END"''',
           (f"{JOURNAL_TESTS}::test_a_refused_submit_does_not_lend_its_token_until_it_starts_a_job",)),
    # --- checks: every WARNING branch ----------------------------------------------------------
    flip("W1", CHECKS, "disabled mailbox",
         "        return [Finding(field, Level.WARNING,\n"
         '                        f"The {what} {shown} is disabled;',
         matrix("disabled mailbox"), misconfigured("disabled user")),
    flip("W2", CHECKS, "trust under conditions the tool cannot evaluate",
         "        return Finding(Field.ROLE, Level.WARNING,\n"
         '                       f"The role {facts.name} trusts {policies.EXPORT_SERVICE}, under "',
         matrix("trust with a condition the tool cannot evaluate")),
    flip("W3", CHECKS, "trust depending on sts:ExternalId",
         "        return Finding(Field.ROLE, Level.WARNING,\n"
         '                       f"The role {facts.name} trusts {policies.EXPORT_SERVICE} depending on "',
         matrix("trust needing sts:ExternalId besides aws:SourceAccount")),
    flip("W4", CHECKS, "trust without conditions",
         "        return Finding(Field.ROLE, Level.WARNING,\n"
         '                       f"The role {facts.name} trusts {policies.EXPORT_SERVICE} for any "',
         matrix("trust without conditions")),
    flip("W5", CHECKS, "permissions under conditions the tool cannot evaluate",
         """        return Finding(field, Level.WARNING, f"The role {facts.name}'s permissions depend on \"""",
         matrix("permissions Deny under a condition the tool cannot evaluate")),
    flip("W6", CHECKS, "key policy under conditions the tool cannot evaluate",
         '        return [Finding(field, Level.WARNING, f"Whether the key policy lets the role {name} "',
         matrix("key policy allowing under a condition the tool cannot evaluate")),
    flip("W7", CHECKS, "public grant overridden by Block Public Access",
         '            findings.append(Finding(field, Level.WARNING, f"The bucket {bucket}: {why}, which "',
         f"{CHECK_TESTS}::test_public_policy_under_restrict_public_buckets_is_a_warning"),
    flip("W8", CHECKS, "public ACL",
         '            findings.append(Finding(field, Level.WARNING, f"The bucket {bucket} is public: "',
         f"{CHECK_TESTS}::test_a_public_acl_is_a_warning_since_whether_workmail_refuses_it_is"
         "_unknown"),
    flip("W9", CHECKS, "bucket without (full) Block Public Access",
         '        findings.append(Finding(field, Level.WARNING, f"The bucket {bucket} {what}; it is not "',
         f"{CHECK_TESTS}::test_bucket_without_block_public_access_is_a_warning"),
    flip("W10", CHECKS, "bucket policy Deny under conditions the tool cannot evaluate",
         '        return [Finding(Field.BUCKET, Level.WARNING, f"Whether the bucket policy of "',
         matrix("bucket policy denying under a condition the tool cannot evaluate")),
    flip("W11", CHECKS, "prefix with odd slashes",
         "    return [Finding(Field.PREFIX, Level.WARNING,\n"
         """                    f"The prefix '{request.prefix}' {why} \"""",
         f"{CHECK_TESTS}::test_a_prefix_with_odd_slashes_is_a_warning_offering_the_plain_one"),
    flip("W12", CHECKS, "prefix without a trailing slash",
         "        return [Finding(field, Level.WARNING,\n"
         """                        f"The role {facts.name} allows '{request.prefix}/…' but""",
         matrix("prefix without a trailing slash")),
    flip("W14", CHECKS, "a bucket with an S3 Bucket Key the role's condition does not cover",
         "    return [Finding(Field.BUCKET, Level.WARNING,\n"
         '                    f"The bucket {request.bucket} uses an S3 Bucket Key by default',
         matrix("bucket with an S3 Bucket Key, the guide's role")),
    flip("W15", CHECKS, "a prefix in a bucket the role may not export to",
         '    return [Finding(field, Level.WARNING, f"Exports will land under {where}, but the role "',
         f"{CHECK_TESTS}::test_role_and_prefix_give_one_verdict_on_a_bucket_the_role_may_not_write"),
    flip("W16", RECENT, "a mailbox exported in the last 24 hours",
         "    return [Finding(Field.ENTITY, Level.WARNING,\n"
         '                    f"{label} was exported by job {last.job_id} ({last.state}), started "',
         "tests/commands/test_exported_today.py::test_check_warns_that_the_mailbox_was_exported"
         "_in_the_last_24_hours"),
    flip("W13", RECENT, "a FAILED export of the mailbox in the last 24 hours",
         "    return [Finding(Field.ENTITY, Level.WARNING,\n"
         '                    f"{label} was last exported by job {last.job_id}, which ended "',
         matrix("mailbox whose last export failed an hour ago")),
    # --- checks: errors ----------------------------------------------------------------------
    Mutant("C1", CHECKS, "an inactive organization passes",
           '    if state != "Active":', '    if state == "Deleted":',
           (misconfigured("inactive organization"),)),
    Mutant("C2", CHECKS, "a deleted mailbox passes",
           '    if mailbox.state == "DELETED":', "    if False:",
           (misconfigured("deleted user"),)),
    Mutant("C3", CHECKS, "an untrusting role passes",
           "    if not verdict.trusted:", "    if False:", (misconfigured("untrusted role"),)),
    Mutant("C4", CHECKS, "refused permissions pass",
           "        return [v for v in self.in_bucket if not v.allowed]", "        return []",
           (misconfigured("no-KMS role"),)),
    Mutant("C5", DOCUMENTS, "a key policy Deny for the role passes",
           "        if verdict.direct.denied:", "        if False:",
           (matrix("key policy denying the role by name"),)),
    Mutant("C6", DOCUMENTS, "a key policy that leaves out the role passes",
           "        if not verdict.allowed:", "        if False:",
           (matrix("key policy whose pattern misses the role"),)),
    Mutant("C7", CHECKS, "a bucket in another Region passes",
           "    if not choice.usable:", "    if False:", (misconfigured("other-region bucket"),)),
    Mutant("C8", CHECKS, "a bucket policy Deny for the role passes",
           "    refused = [v for v in verdicts if v.denied]", "    refused = []",
           (matrix("bucket policy denying the role by pattern"),)),
    Mutant("C9", CHECKS, "a prefix outside the role's condition passes",
           "    if outside:\n", "    if False:\n", (misconfigured("wrong-prefix role"),)),
    Mutant("C10", CHECKS, "a key in another Region is looked up instead of refused",
           "    if key_region and key_region != aws.region:", "    if False:",
           (misconfigured("other-region key"),)),
    Mutant("C11", CHECKS, "a public bucket policy is not an error",
           "        elif found:\n            return [Finding(field, Level.ERROR,",
           "        elif False:\n            return [Finding(field, Level.ERROR,",
           (misconfigured("public bucket"),)),
    Mutant("C12", CHECKS, "a role ARN naming another account's role passes",
           "    if facts.arn != request.role_arn:", "    if False:",
           (f"{CHECK_TESTS}::test_a_role_of_another_account_is_an_error",)),
    # --- policies ----------------------------------------------------------------------------
    Mutant("P1", POLICIES, "? matches nothing",
           '            elif symbol == "?" or symbol == char:', "            elif symbol == char:",
           (f"{POLICY_TESTS}::test_glob_match_with_open_tails",)),
    Mutant("P2", POLICIES, "'every object under the prefix' read as 'some object'",
           '    return any(position < len(pattern) and set(pattern[position:]) == {"*"}\n'
           "               for position in states)",
           "    return bool(states)",
           (f"{POLICY_TESTS}::test_a_prefix_that_only_begins_the_allowed_folder_is_outside_it",)),
    Mutant("P3", POLICIES, "actions compared case-sensitively",
           '    return _matches_any(_as_list(statement.get("Action")), exact, ignore_case=True)',
           '    return _matches_any(_as_list(statement.get("Action")), exact, ignore_case=False)',
           (f"{POLICY_TESTS}::test_actions_match_whatever_their_case",)),
    Mutant("P4", POLICIES, "negated operators not negated",
           "        return value.tail is Tail.ANY or not matched", "        return matched",
           (matrix("trust with a Deny whose condition does not hold"),)),
    Mutant("P5", POLICIES, "a Deny on part of the bucket refuses the whole bucket",
           "            if deny and resource.tail is Tail.SOME:", "            if False:",
           (matrix("permissions Deny on another folder of the bucket"),)),
    Mutant("P6", POLICIES, "a Deny under conditions the tool cannot evaluate refuses",
           "            if deny and not conditions.unknown:", "            if deny:",
           (matrix("permissions Deny under a condition the tool cannot evaluate"),)),
    Mutant("P7", POLICIES, "a trust needing sts:ExternalId is certain",
           "                        needs_external_id=with_id.trusted != without.trusted,",
           "                        needs_external_id=False,",
           (f"{CHECK_TESTS}::test_legacy_external_id_role_is_a_warning_with_the_current_trust",)),
    Mutant("P8", POLICIES, "sts:ExternalId assumed always sent",
           "    without = _read_trust(document, context, account, org_arn)",
           "    without = _read_trust(document, {**context, EXTERNAL_ID_KEY: external_id}, "
           "account, org_arn)",
           (matrix("trust needing sts:ExternalId besides aws:SourceAccount"),)),
    Mutant("P9", POLICIES, "the role's own ARN not in its requests (aws:PrincipalArn)",
           "    if caller:\n        context[PRINCIPAL_ARN_KEY]",
           "    if False:\n        context[PRINCIPAL_ARN_KEY]",
           (matrix("key policy whose pattern misses the role"),
            matrix("permissions allowing the role by its own ARN pattern"))),
    Mutant("P10", POLICIES, "the object key's form taken as certain",
           '    return prefix if prefix.endswith("/") or not joined else f"{prefix}/"',
           '    return prefix if prefix.endswith("/") else f"{prefix}/"',
           (matrix("prefix without a trailing slash"),)),
    Mutant("P11", POLICIES, "ArnEquals compares without wildcards",
           '    globbing = operator.endswith("Like") or operator.startswith("Arn")',
           '    globbing = operator.endswith("Like")',
           (f"{POLICY_TESTS}::test_arn_equals_takes_wildcards_as_arn_like_does",)),
    Mutant("P12", POLICIES, "a negated condition on a missing key fails",
           "                holds = if_exists or operator in _NEGATED",
           "                holds = if_exists",
           (f"{POLICY_TESTS}::test_a_negated_condition_on_a_key_the_request_lacks_holds",)),
    Mutant("P13", POLICIES, "a trust must hold with and without sts:ExternalId",
           "    trusted = without.trusted or with_id.trusted",
           "    trusted = without.trusted and with_id.trusted",
           (f"{CHECK_TESTS}::test_legacy_external_id_role_is_a_warning_with_the_current_trust",)),
    Mutant("P14", POLICIES, "a resource policy's AWS: * principal ignored",
           '    return any(p == "*" or p in principals for p in named)',
           "    return any(p in principals for p in named)",
           (matrix("key policy naming every AWS principal with the role's pattern"),)),
    Mutant("P15", POLICIES, "a trust's AWS: * principal ignored",
           '    return EXPORT_SERVICE in _as_list(principal.get("Service")) or "*" in _as_list(\n'
           '        principal.get("AWS"))',
           '    return EXPORT_SERVICE in _as_list(principal.get("Service"))',
           (matrix("trust naming every principal, with the current conditions"),)),
    Mutant("P16", POLICIES, "conditions of an Allow matter though another Allow needs none",
           "    if not surely_allowed:\n        notes += allow_notes",
           "    notes += allow_notes",
           (matrix("key policy delegating to IAM beside such a condition"),)),
    # --- the batch scheduler -----------------------------------------------------------------
    Mutant("B1", SCHEDULER, "others' running jobs ignored",
           "MAX_CONCURRENCY - len(self.others_running)", "MAX_CONCURRENCY",
           (f"{SCHED}::test_jobs_others_run_in_the_organization_take_slots_away",)),
    Mutant("B2", SCHEDULER, "one start more than the slots",
           "            if free <= 0:\n                return",
           "            if free < 0:\n                return",
           (f"{SCHED}::test_never_more_than_n_and_every_freed_slot_is_refilled_in_the_same_tick",)),
    Mutant("B3", SCHEDULER, "others' running jobs never counted",
           '            if job.state == "RUNNING":\n                self.others_running.add',
           '            if False:\n                self.others_running.add',
           (f"{SCHED}::test_jobs_others_run_in_the_organization_take_slots_away",)),
    Mutant("B4", SCHEDULER, "others' jobs not recounted after LimitExceeded",
           "            self._force_full_scan = True  # recount others' jobs; look for a 24-hour "
           "window",
           "            pass",
           (f"{SCHED}::test_a_start_refused_for_want_of_slots_makes_the_engine_count_them"
            "_again",)),
    Mutant("B5", SCHEDULER, "a refused STARTING row resent without a free slot",
           "            if free <= 0:\n                break", "            if False:\n                break",
           (f"{SCHED}::test_limit_exceeded_from_a_race_with_another_admin_is_backed_off",)),
    Mutant("B6", SCHEDULER, "one retry fewer than promised",
           "row.attempts <= self.settings.max_retries", "row.attempts < self.settings.max_retries",
           (f"{SCHED}::test_failed_jobs_are_retried_only_when_transient_and_only_so_often",)),
    Mutant("B7", SCHEDULER, "every page of the job list read at every poll",
           "                if not full and not unseen:\n                    break",
           "                if False:\n                    break",
           (f"{SCHED}::test_following_jobs_reads_one_page_while_it_holds_every_running_job",)),
    Mutant("B8", SCHEDULER, "STARTING not committed before the call",
           "            row = self._save(replace(\n                row, state=RowState.STARTING,",
           "            row = (replace(\n                row, state=RowState.STARTING,",
           ("tests/batch/test_start_order.py",)),
    Mutant("B9", SCHEDULER, "the journal hears of a start only after it",
           "        self.recorder.submitting(row, request)\n", "",
           ("tests/batch/test_start_order.py",)),
    Mutant("B10", SCHEDULER, "a deferred mailbox waits from its export's start, not a day",
           'not_before=available, note=f"exported by job {job_id}; "',
           'not_before=started, note=f"exported by job {job_id}; "',
           (f"{SCHED}::test_a_mailbox_exported_by_someone_else_mid_run_waits_for_its_window",)),
    Mutant("B11", SCHEDULER, "a started JobId not stored with the run",
           "            self.known_jobs.add(job_id)\n            self.store.save_job(",
           "            self.known_jobs.add(job_id)\n            (lambda *_: None)(",
           ("tests/batch/test_start_order.py",)),
    Mutant("B12", SCHEDULER, "a refusal that shows a FAILED job uses up the day is not learnt",
           "            self.ended_jobs_use_the_day = True\n", "",
           (f"{SCHED}::test_a_mailbox_whose_export_failed_within_the_day_holds_up_no_other",)),
    Mutant("B13", SCHEDULER, "a mailbox refused for its day holds up every start",
           "        if (failure.kind == FailureKind.LIMIT and ended is not None",
           "        if (False and ended is not None",
           (f"{SCHED}::test_a_mailbox_whose_export_failed_within_the_day_holds_up_no_other",)),
    # --- the batch store ---------------------------------------------------------------------
    Mutant("T1", STORE, "commits not forced to disk",
           '            connection.execute("PRAGMA synchronous=FULL")',
           '            connection.execute("PRAGMA synchronous=OFF")',
           (f"{STORE_TESTS}::test_commits_are_on_disk_when_a_call_returns",)),
    Mutant("T2", STORE, "a row of no run saved silently",
           "            if cursor.rowcount != 1:", "            if False:", (STORE_ORDER,)),
    Mutant("T3", STORE, "rows out of plan order",
           '"ORDER BY position", (run_id,))',
           '"ORDER BY entity_id", (run_id,))', (STORE_ORDER,)),
    Mutant("T4", STORE, "a cancel that also cancels running jobs forgotten",
           "            if cancel_running is not None:", "            if False:",
           (f"{STORE_TESTS}::test_a_cancel_that_also_cancels_running_jobs_is_kept_for_a_resume",)),
    Mutant("B14", SCHEDULER, "a STARTING row without a free slot counted as startable (spins)",
           "                   and (row.entity_id in self.held or slots > self.count(RowState.RUNNING)))",
           "                   and True)",
           (f"{SCHED}::test_a_start_refused_for_want_of_slots_makes_the_engine_count_them"
            "_again",)),
    # --- downloading an export ---------------------------------------------------------------
    Mutant("D1", TRANSFER, "a sha384 that differs from the log's called a match",
           "        state = DownloadState.MATCHED if digest == log.sha384 else DownloadState.HASH_MISMATCH",
           "        state = DownloadState.MATCHED",
           (f"{TRANSFER_TESTS}::test_a_tampered_object_downloads_under_a_name_that_says_so",)),
    Mutant("D2", PART_RECORD, "a resumed download fetches the finished parts again",
           "        return [part for part in range(self.parts) if part not in self.done]",
           "        return list(range(self.parts))",
           (f"{TRANSFER_TESTS}::test_a_stopped_download_resumes_without_fetching_finished_parts",)),
    Mutant("D3", TRANSFER, "a stop seen by the hasher at the last part reported as a failure",
           "        if self._hashed_parts < self.record.parts:  # a stop came as the last part arrived",
           "        if False:",
           (f"{TRANSFER_TESTS}::test_a_stop_as_the_last_bytes_arrive_is_a_stop_not_a_failure",)),
]
