"""`make bench`: time the money engine and the wizard's plan page, all in one process so the ratios hold.

Figures are medians and p95s over repeated runs; BENCH_JSON=path also writes them as JSON, one key each.
"""

import json
import os
import statistics
import sys
import time
from datetime import date
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huabei_negotiate.settings_test")


def timed(func, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[max(0, int(len(ordered) * 0.95) - 1)]


def bench_plans(figures: dict) -> None:
    from cases import plans

    debts = [
        plans.DebtFigures(Decimal("12000"), Decimal("300"), Decimal("150"), Decimal("0")),
        plans.DebtFigures(Decimal("8000"), Decimal("0"), Decimal("0"), Decimal("50")),
        plans.DebtFigures(Decimal("30000"), Decimal("1200"), Decimal("800"), Decimal("0")),
    ]
    first_due = date(2027, 1, 31)
    amortize = timed(lambda: plans.amortize(Decimal("50000"), Decimal("0.06"), 60, first_due), 300)
    compare = timed(lambda: plans.compare_scenarios(debts, Decimal("1500"), first_due=first_due), 100)
    figures["amortize_60_median_ms"], figures["amortize_60_p95_ms"] = summary(amortize)
    figures["compare_scenarios_median_ms"], figures["compare_scenarios_p95_ms"] = summary(compare)


def bench_plan_page(figures: dict) -> None:
    """The plan step with 1 and with 10 debts: the page should not slow down with the number of debts."""
    import django

    django.setup()
    from django.test.utils import setup_test_environment

    setup_test_environment()
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_databases, teardown_databases
    from django.urls import reverse

    from accounts.models import User
    from cases import services

    old_config = setup_databases(verbosity=0, interactive=False)
    try:
        user = User.objects.create_user(email="bench@example.com", password="bench-password-long")
        client = Client()
        client.force_login(user)
        results = {}
        for count in (1, 10):
            case = services.case_create(owner=user, title=f"bench {count}")
            for n in range(count):
                services.debt_create(case=case, lender="huabei", principal=str(5000 + n), interest="100")
            services.hardship_save(case=case, monthly_income="6000", household_expenses="3500", reasons=["income_drop"])
            url = reverse("cases:wizard_step", args=[case.code, "plan"])
            client.get(url)  # warm the template cache
            results[count] = summary(timed(lambda url=url: client.get(url), 40))
        figures["plan_page_1_debt_median_ms"] = results[1][0]
        figures["plan_page_10_debts_median_ms"] = results[10][0]
        figures["plan_page_10_vs_1_ratio"] = results[10][0] / results[1][0]
    finally:
        teardown_databases(old_config, verbosity=0)
        connection.close()


def main() -> int:
    figures: dict[str, float] = {}
    bench_plans(figures)
    bench_plan_page(figures)
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:10.3f}")
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
