"""The non-interactive commands (check, start, status, jobs, cancel), one module each, on the
same core as the wizard; `exit_codes` and `output` are shared by them and by the plain face."""
