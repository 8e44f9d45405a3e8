"""`make bench`: the money engine, the wizard's plan page and the documents, all in one run so the ratios hold.

Figures are medians and p95s over repeated runs; BENCH_JSON=path also writes them as JSON, one key each.
Everything shares one setup (bench/environment.py): settings_test on a throwaway SQLite file, Redis database 15.
"""

import json
import os
import sys
from datetime import date
from decimal import Decimal

from .environment import BenchSetupError, bench_database, get_rendered, require_redis
from .measure import summary, timed

UNITS = {"_ms": "ms", "_kb": "KB", "_mb": "MB", "_ratio": "x"}


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
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from cases import services

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
        get_rendered(client, url)  # warm the template cache
        results[count] = summary(timed(lambda url=url: get_rendered(client, url), 40))
    figures["plan_page_1_debt_median_ms"] = results[1][0]
    figures["plan_page_10_debts_median_ms"] = results[10][0]
    figures["plan_page_10_vs_1_ratio"] = results[10][0] / results[1][0]


def unit(name: str) -> str:
    return next(label for suffix, label in UNITS.items() if name.endswith(suffix))


def main() -> int:
    figures: dict[str, float] = {}
    try:
        require_redis()  # before minutes of rendering, not after
        with bench_database():
            from .documents import bench_documents

            bench_plans(figures)
            bench_plan_page(figures)
            bench_documents(figures)
    except BenchSetupError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 2
    width = max(len(name) for name in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value:10.3f} {unit(name)}")
    if os.environ.get("BENCH_JSON"):
        with open(os.environ["BENCH_JSON"], "w", encoding="utf-8") as handle:
            json.dump(figures, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
