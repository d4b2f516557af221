"""The bulk path's screens: choose, plan, progress, cancel."""
