"""Literal case tables (no computation) read by the suite modules of gen/."""
