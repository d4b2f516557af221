"""Setting up what an export needs: the role, the key and the bucket, created or repaired.

Modules, one job each:
    documents  the documents a change sends and the one way they are added to what exists
               (shared with the preflight checks' fix hints)
    plan       the plan model: steps (an AWS call each), cost, permission, undo
"""
