"""Everything about exports, with no screen in it.

The request model and its field rules, the AWS connection, discovery, preflight checks,
submit/monitor/cancel, the local job journal and error translation. Faces (the Textual app,
the plain prompts, the CLI) call into this package and get plain values back; nothing here
imports textual, questionary or the simulator (see the import-linter contracts).
"""
