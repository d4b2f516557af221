"""Shared widgets and helpers of the Textual face: lists, status line, stage bar, warm-up."""
