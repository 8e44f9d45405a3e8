"""What a written installment agreement must state, checked before it is saved, so that the user asks the lender for
what is missing while the lender is still on the line.

For a bank's credit card, Article 70 of 《商业银行信用卡业务监督管理办法》 lists it: the balance and its structure,
the repayment cycle, method and account, the date and amount of each installment, the interest and fees during the
plan, both sides' rights and duties, and the terms of a breach. 花呗 and 借呗 are not bound by that article (it is
never cited to them), but an agreement that leaves one of these out is as hard to hold them to, so the same list is
asked of every lender. Pure: no ORM.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import plans

ARTICLE_70 = _("《商业银行信用卡业务监督管理办法》第七十条")


@dataclass(frozen=True)
class Term:
    """One thing the agreement must state: whether what the lender confirmed states it, and what is wrong if it
    states it in a way that does not add up."""

    key: str
    label: str | Promise
    present: bool
    problem: str = ""

    @property
    def satisfied(self) -> bool:
        return self.present and not self.problem


def check(
    *,
    balance_principal: Decimal | None,
    installment_count: int | None,
    first_due_date: date | None,
    repayment_method: str,
    repayment_account: str,
    stated_installment: Decimal | None,
    scheduled_installment: Decimal | None,
    plan_fee: Decimal | None,
    rights_and_duties: str,
    breach_clause: str,
    signed_copy: bool,
) -> list[Term]:
    """Every term, in the order the article lists them, and last the signed text itself.

    `scheduled_installment` is the regular payment the schedule works out from the total, the months and the rate:
    an installment the agreement states differently means one of those was typed wrong, or the lender counts
    differently, and the user must find out which before relying on the schedule.
    """
    problem = ""
    if (
        stated_installment is not None
        and scheduled_installment is not None
        and abs(stated_installment - scheduled_installment) > plans.CENT
    ):
        problem = str(
            _("协议写的每期 %(stated)s，按总额、期数和利率算出每期 %(scheduled)s：请核对总额、期数和利率。")
            % {
                "stated": plans.format_yuan(stated_installment),
                "scheduled": plans.format_yuan(scheduled_installment),
            }
        )
    return [
        Term("balance", _("欠款余额及构成（本金、利息、罚息、费用各多少）"), balance_principal is not None),
        Term("cycle", _("还款周期（共几期、每月几号还）"), bool(installment_count and first_due_date)),
        Term("method", _("还款方式（例如按月自动扣款）"), bool(repayment_method.strip())),
        Term("account", _("还款账户（平台或银行自己的账户，不能是个人账户）"), bool(repayment_account.strip())),
        Term("installment", _("每期还款的金额和日期"), stated_installment is not None, problem),
        Term("interest_and_fees", _("分期期间的利息和手续费（没有也应写明为 0）"), plan_fee is not None),
        Term("rights_and_duties", _("双方的权利和义务"), bool(rights_and_duties.strip())),
        Term("breach", _("违约责任（几期没还算违约、违约后怎样处理）"), bool(breach_clause.strip())),
        Term("signed", _("双方签字或盖章的书面协议（或平台盖章的书面确认）"), signed_copy),
    ]


def unsatisfied(terms: list[Term]) -> list[Term]:
    return [term for term in terms if not term.satisfied]


def blank() -> list[Term]:
    """The list as nothing has been entered yet: what to look for in the lender's text."""
    return check(
        balance_principal=None,
        installment_count=None,
        first_due_date=None,
        repayment_method="",
        repayment_account="",
        stated_installment=None,
        scheduled_installment=None,
        plan_fee=None,
        rights_and_duties="",
        breach_clause="",
        signed_copy=False,
    )
