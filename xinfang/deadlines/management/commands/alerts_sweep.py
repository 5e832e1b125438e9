"""The former name of `deadlines_sweep`, kept for crontabs that call it."""

from .deadlines_sweep import Command as DeadlinesSweepCommand


class Command(DeadlinesSweepCommand):
    pass
