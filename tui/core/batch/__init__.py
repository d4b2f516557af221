"""Bulk export: plan every mailbox of an organization, run them through WorkMail's ten export
slots, survive crashes, and report what happened.

The engine has no face: a face builds a plan (`plan.choose_enabled` / `plan.choose_named` +
`plan.make_plan`), stores a run (`runner.create_run`), drives it with `runner.BatchRunner`
(progress arrives as `model.BatchProgress` values through a callback; `runner.RunControl`
pauses, resumes and cancels from another thread) and writes `report` manifests.
"""
