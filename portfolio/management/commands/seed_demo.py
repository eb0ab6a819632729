from django.core.management.base import BaseCommand

from classes.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_world_exists
from portfolio.demo import build_demo


class Command(BaseCommand):
    help = "Load the demo world (schools, classes, people, portfolios), once."

    def handle(self, *args: object, **options: object) -> None:
        if demo_world_exists():
            self.stdout.write("The demo world is already loaded; nothing to do.")
            return
        year = build_demo()
        self.stdout.write(self.style.SUCCESS(f"Demo world loaded for {year}."))
        self.stdout.write(f"Demo accounts (password: {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.email:42} {account.role_label}")
        self.stdout.write("  admin@demo.webclasseur.test               platform admin")
