"""Rotate the LTI tool's signing key (or only retire the old ones)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from lti_sso.lti.keys import retire_inactive_keys, rotate_tool_keys


class Command(BaseCommand):
    help = (
        "Make a new RSA key the active LTI signing key; the previous key stays "
        "in the JWKS (older ones are retired). --retire-only stops publishing "
        "every inactive key without creating one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--retire-only", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["retire_only"]:
            count = retire_inactive_keys()
            self.stdout.write(f"{count} key(s) retired.")
            return
        key = rotate_tool_keys()
        self.stdout.write(f"New active key: {key.kid}")
