"""plans.py for an agreement under way: payments poured into installments, each installment's state on a day, what
missed installments carry onto the next, what one payment did, an offer against the share, the balance over time."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cases import plans
from cases.plans import Due, DueState

D = Decimal
TODAY = date(2026, 3, 10)
# 1000.00 over 3 months at 0 %, as plans.amortize makes it.
SCHEDULE = [
    Due(row.number, row.due_date, row.payment) for row in plans.amortize(D("1000"), D("0"), 3, date(2026, 2, 15))
]


def test_the_schedule_under_test():
    assert [(row.due_date, row.amount) for row in SCHEDULE] == [
        (date(2026, 2, 15), D("333.33")),
        (date(2026, 3, 15), D("333.33")),
        (date(2026, 4, 15), D("333.34")),
    ]


class TestAllocate:
    def test_in_order_each_filled_before_the_next(self):
        assert plans.allocate([D("333.33"), D("333.33"), D("333.34")], D("700")) == [
            D("333.33"),
            D("333.33"),
            D("33.34"),
        ]

    def test_nothing_paid(self):
        assert plans.allocate([D("1"), D("2")], D("0")) == [D("0.00"), D("0.00")]

    def test_floats_are_refused(self):
        with pytest.raises(TypeError):
            plans.allocate([D("1")], 1.5)

    @given(
        st.lists(st.decimals(min_value=D("0.01"), max_value=D("99999"), places=2), min_size=1, max_size=60),
        st.decimals(min_value=D("0"), max_value=D("9999999"), places=2),
    )
    def test_never_more_than_paid_nor_than_due(self, dues, paid):
        parts = plans.allocate(dues, paid)
        assert sum(parts) == min(paid, sum(dues))
        assert all(D("0") <= part <= due for part, due in zip(parts, dues, strict=True))
        # Filled in order: nothing reaches an installment while an earlier one is short.
        first_short = next((i for i, (p, d) in enumerate(zip(parts, dues, strict=True)) if p < d), len(dues))
        assert all(part == 0 for part in parts[first_short + 1 :])


class TestDueState:
    @pytest.mark.parametrize(
        ("due", "paid", "state"),
        [
            (TODAY - timedelta(days=1), "100", DueState.PAID),
            (TODAY - timedelta(days=1), "99.99", DueState.OVERDUE),
            (TODAY - timedelta(days=1), "0", DueState.OVERDUE),
            (TODAY, "0", DueState.DUE_TODAY),
            (TODAY, "50", DueState.DUE_TODAY),
            (TODAY + timedelta(days=1), "50", DueState.PARTIAL),
            (TODAY + timedelta(days=3), "0", DueState.DUE_SOON),
            (TODAY + timedelta(days=4), "0", DueState.UPCOMING),
            (TODAY + timedelta(days=40), "100", DueState.PAID),
        ],
    )
    def test_states(self, due, paid, state):
        assert plans.due_state(due, D("100"), D(paid), TODAY) == state


class TestTrack:
    def test_a_missed_installment_is_carried_onto_the_next_to_pay(self):
        rows = plans.track(SCHEDULE, D("200"), TODAY)
        assert [(row.state, row.paid, row.left, row.arrears) for row in rows] == [
            (DueState.OVERDUE, D("200.00"), D("133.33"), D("0.00")),
            (DueState.UPCOMING, D("0.00"), D("333.33"), D("133.33")),
            (DueState.UPCOMING, D("0.00"), D("333.34"), D("0.00")),
        ]
        assert rows[1].to_pay == D("466.66")

    def test_an_overpayment_is_carried_into_the_next(self):
        rows = plans.track(SCHEDULE, D("400"), TODAY)
        assert [(row.state, row.paid) for row in rows] == [
            (DueState.PAID, D("333.33")),
            (DueState.PARTIAL, D("66.67")),
            (DueState.UPCOMING, D("0.00")),
        ]
        assert rows[1].to_pay == D("266.66")

    def test_everything_paid(self):
        assert {row.state for row in plans.track(SCHEDULE, D("1000"), TODAY)} == {DueState.PAID}

    def test_after_the_last_date_nothing_is_carried(self):
        rows = plans.track(SCHEDULE, D("0"), date(2026, 5, 1))
        assert {row.state for row in rows} == {DueState.OVERDUE} and not any(row.arrears for row in rows)


class TestCarry:
    def test_exact(self):
        carry = plans.carry(SCHEDULE, D("0"), D("333.33"))
        assert (carry.paid_off, carry.ended_on, carry.overpaid, carry.underpaid) == ((1,), None, False, False)

    def test_over(self):
        carry = plans.carry(SCHEDULE, D("0"), D("400"))
        assert (carry.paid_off, carry.ended_on, carry.ended_paid, carry.ended_left) == (
            (1,),
            2,
            D("66.67"),
            D("266.66"),
        )
        assert carry.overpaid and not carry.underpaid

    def test_under(self):
        carry = plans.carry(SCHEDULE, D("0"), D("300"))
        assert (carry.paid_off, carry.ended_on, carry.ended_left) == ((), 1, D("33.33"))
        assert carry.underpaid and not carry.overpaid

    def test_topping_up_a_partial_one(self):
        carry = plans.carry(SCHEDULE, D("300"), D("33.33"))
        assert (carry.paid_off, carry.ended_on) == ((1,), None)

    def test_across_several(self):
        carry = plans.carry(SCHEDULE, D("100"), D("800"))
        assert (carry.paid_off, carry.ended_on, carry.ended_paid, carry.ended_left) == (
            (1, 2),
            3,
            D("233.34"),
            D("100.00"),
        )


class TestFit:
    def test_fits_with_room(self):
        fit = plans.fit_to_share(plans.amortize(D("1000"), D("0"), 3, TODAY), D("400"))
        assert (fit.payment, fit.fits, fit.difference) == (D("333.34"), True, D("66.66"))

    def test_over_the_share_by(self):
        fit = plans.fit_to_share(plans.amortize(D("1000"), D("0"), 3, TODAY), D("300"))
        assert (fit.fits, fit.difference) == (False, D("33.34"))

    def test_the_agreed_schedule_repays_the_fee_with_the_installments(self):
        rows = plans.agreed_schedule(D("12000"), D("2000"), D("360"), D("0"), 12, TODAY)
        assert sum(row.payment for row in rows) == D("10360.00")
        assert rows == plans.amortize(D("10360"), D("0"), 12, TODAY)


class TestRemainingOverTime:
    def test_steps_down_by_date_with_one_point_a_date(self):
        points = plans.remaining_over_time(
            date(2026, 1, 1),
            D("1000"),
            [(date(2026, 3, 1), D("100")), (date(2026, 2, 1), D("300")), (date(2026, 3, 1), D("50"))],
        )
        assert points == [
            (date(2026, 1, 1), D("1000.00")),
            (date(2026, 2, 1), D("700.00")),
            (date(2026, 3, 1), D("550.00")),
        ]

    def test_nothing_paid(self):
        assert plans.remaining_over_time(TODAY, D("5"), []) == [(TODAY, D("5.00"))]
