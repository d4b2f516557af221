"""workmail-export: a guided terminal wizard that gets mail out of Amazon WorkMail."""

__version__ = "0.1.0"
