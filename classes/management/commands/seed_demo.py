from django.core.management.base import BaseCommand

from classes.demo import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    build_demo_world,
    demo_world_exists,
)


class Command(BaseCommand):
    help = "Load the demo school world (two schools, classes, pupils, staff), once."

    def handle(self, *args: object, **options: object) -> None:
        if demo_world_exists():
            self.stdout.write("The demo world is already loaded; nothing to do.")
            return
        year = build_demo_world()
        self.stdout.write(self.style.SUCCESS(f"Demo world loaded for {year}."))
        self.stdout.write(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.email:42} {account.role_label}")
        self.stdout.write("  admin@demo.webclasseur.test               platform admin")
