"""Run as a separate process by test_login_race: one wrong password for `clerk`, sent at a shared
moment, so that several processes race for the same account's failure count."""

import contextlib
import os
import sys
import time

import django


def main() -> None:
    start_at = float(sys.argv[1])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from xinfang.accounts.services import auth_authenticate
    from xinfang.core.exceptions import ApplicationError

    while time.time() < start_at:
        time.sleep(0.002)
    with contextlib.suppress(ApplicationError):
        auth_authenticate(username="clerk", password="Wrong-Password-1")


if __name__ == "__main__":
    main()
