"""Money in a currency's minor units: how many decimals each currency has (ISO 4217's minor
unit: JPY 0, USD 2, KWD 3), for typing amounts in and showing them."""

from decimal import Decimal

# Currencies whose minor unit is not 2 decimals; every other code has 2.
EXPONENTS = {
    **dict.fromkeys(
        ["BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI"],
        0,
    ),
    **dict.fromkeys(["VND", "VUV", "XAF", "XOF", "XPF"], 0),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    "CLF": 4,
    "UYW": 4,
}


def exponent(currency: str) -> int:
    """How many decimals the currency's amounts have."""
    return EXPONENTS.get((currency or "").upper(), 2)


def to_minor(amount: Decimal, currency: str) -> int:
    """A typed amount (12.50) as integer minor units; raises ValueError when it has more
    decimals than the currency has (1.5 JPY)."""
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError("too many decimals")
    return int(scaled)


def to_major(amount: int, currency: str) -> Decimal:
    """Minor units as an amount in the currency (1850 USD cents: 18.50)."""
    return Decimal(amount).scaleb(-exponent(currency))


def money_text(amount: int, currency: str) -> str:
    """Minor units as plain text with the currency's decimals: "18.50 USD", "1850 JPY"."""
    return f"{to_major(amount, currency):.{exponent(currency)}f} {currency}"
