"""Run as a separate process by test_concurrency: registers petitions as fast as it can, starting
at a shared moment, so that several processes contend for the same number sequence."""

import os
import sys
import time

import django


def main() -> None:
    start_at, count = float(sys.argv[1]), int(sys.argv[2])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from xinfang.accounts.models import User
    from xinfang.petitions.tests.factories import register

    clerk = User.objects.select_related("unit").get(username="clerk")
    while time.time() < start_at:
        time.sleep(0.005)
    for _ in range(count):
        register(clerk)


if __name__ == "__main__":
    main()
