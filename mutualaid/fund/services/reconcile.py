"""Reconciliation: a bank or payment-app statement matched, line by line, against the ledger."""

import csv
import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from mutualaid.core.errors import InvalidInput, PermissionDenied
from mutualaid.fund.models import Entry, ImportedLine, LedgerTransaction
from mutualaid.fund.money import exponent
from mutualaid.fund.selectors import may_manage_fund
from mutualaid.fund.services.accounts import fund_account, policy_for
from mutualaid.fund.services.checks import Upload
from mutualaid.networks.models import Member


@dataclass(frozen=True)
class StatementLine:
    line: int
    on: date
    amount: int
    description: str


MATCH_WITHIN_DAYS = 3
MAX_STATEMENT_BYTES = 2 * 1024 * 1024


def statement_parse(text: str, currency: str = "USD") -> list[StatementLine]:
    """Lines of a bank or payment-app CSV export with a header naming a date column and an
    amount column (or separate money in / money out columns). Amounts like 12.50 or -3,00."""
    reader = csv.DictReader(text.splitlines())
    names = {(name or "").strip().lower(): name for name in reader.fieldnames or []}

    def column(*options: str) -> str | None:
        return next((names[o] for o in options if o in names), None)

    date_col = column("date", "booking date", "transaction date", "datum", "fecha")
    amount_col = column("amount", "net", "betrag", "importe")
    in_col, out_col = column("money in", "credit", "paid in"), column("money out", "debit")
    text_col = column("description", "memo", "note", "details", "reference", "name")
    if date_col is None or (amount_col is None and in_col is None):
        raise InvalidInput(_("The statement needs a date column and an amount column."))

    def money(value: str | None) -> int:
        raw = (value or "").strip().replace(" ", "").replace("$", "").replace("€", "")
        if not raw:
            return 0
        if "," in raw and "." not in raw:
            raw = raw.replace(",", ".")
        raw = raw.replace(",", "")
        return int(Decimal(raw).scaleb(exponent(currency)).to_integral_value())

    lines = []
    for number, row in enumerate(reader, start=2):
        try:
            on = date.fromisoformat((row.get(date_col) or "").strip()[:10])
            if amount_col is not None:
                amount = money(row.get(amount_col))
            else:
                amount = money(row.get(in_col)) - abs(money(row.get(out_col)))
        except (ValueError, InvalidOperation):
            raise InvalidInput(
                _("Line %(line)d of the statement has a date or amount we cannot read.")
                % {"line": number}
            ) from None
        if amount:
            description = (row.get(text_col) or "")[:200] if text_col else ""
            lines.append(StatementLine(number, on, amount, description))
    return lines


def _fingerprint(line: StatementLine, seen: int) -> str:

    key = f"{line.on.isoformat()}|{line.amount}|{line.description}|{seen}"
    return hashlib.sha256(key.encode()).hexdigest()


def statement_reconcile(*, actor: Member, statement: Upload) -> dict[str, Any]:
    """Match each statement line to a recorded transaction moving the same amount in or out
    of the fund within three days; list the lines and the transactions left unmatched.

    The lines are kept (`ImportedLine`) with the transaction each was matched to. Importing the
    same statement again adds no line twice: a line matched before keeps its match, a line
    unmatched before is tried again, and a transaction matched to one line is not matched to
    another."""
    if not may_manage_fund(actor):
        raise PermissionDenied()
    if (statement.size or 0) > MAX_STATEMENT_BYTES:
        raise InvalidInput(_("The statement is too large (at most 2 MB)."))
    try:
        text = statement.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("Save the statement as CSV in UTF-8.")) from None
    lines = statement_parse(text, policy_for(actor.network).currency)
    network = actor.network
    fund = fund_account(network)
    with transaction.atomic():
        taken = set(
            ImportedLine.objects.filter(network=network, matched__isnull=False).values_list(
                "matched_id", flat=True
            )
        )
        candidates = [
            e
            for e in Entry.objects.filter(account=fund)
            .exclude(transaction__kind=LedgerTransaction.Kind.RECEIPT)
            .select_related("transaction")
            if e.transaction_id not in taken
        ]
        if lines:
            start = min(line.on for line in lines) - timedelta(days=MATCH_WITHIN_DAYS)
            end = max(line.on for line in lines) + timedelta(days=MATCH_WITHIN_DAYS)
            candidates = [e for e in candidates if start <= e.transaction.occurred_on <= end]
        matched, unmatched_lines = [], []
        seen: dict[tuple[date, int, str], int] = {}
        for line in lines:
            key = (line.on, line.amount, line.description)
            seen[key] = seen.get(key, 0) + 1
            stored, _created = ImportedLine.objects.select_for_update().get_or_create(
                network=network,
                fingerprint=_fingerprint(line, seen[key]),
                defaults={"on": line.on, "amount": line.amount, "description": line.description},
            )
            if stored.matched is not None:
                matched.append((line, stored.matched))
                continue
            found = next(
                (
                    entry
                    for entry in candidates
                    if entry.amount == line.amount
                    and abs((entry.transaction.occurred_on - line.on).days) <= MATCH_WITHIN_DAYS
                ),
                None,
            )
            if found is None:
                unmatched_lines.append(line)
            else:
                candidates.remove(found)
                stored.matched = found.transaction
                stored.save(update_fields=["matched"])
                matched.append((line, found.transaction))
    return {
        "matched": matched,
        "unmatched_lines": unmatched_lines,
        "unmatched_transactions": [entry.transaction for entry in candidates],
    }
