"""Delivering an export into the new mailbox over IMAP: folder mapping, sessions, the
exactly-once record, and the engine that appends (see ARCHITECTURE.md)."""
