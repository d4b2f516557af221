"""Benchmarks of workmail-export (plain scripts, see README.md here) and their shared walk."""
