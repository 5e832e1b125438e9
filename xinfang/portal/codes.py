"""The query code (查询码): 16 symbols from an alphabet without look-alikes (no I, O, 0, 1), so
80 random bits. With the throttles (10 failed look-ups per number an hour) guessing one is
hopeless: after a year of trying, the odds are below one in 10^19."""

import hashlib
import hmac
import secrets

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols: 5 bits each
LENGTH = 16
GROUP = 4


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def shown(code: str) -> str:
    """ABCD-EFGH-JKLM-NPQR: how the receipt prints it."""
    return "-".join(code[i : i + GROUP] for i in range(0, len(code), GROUP))


def normalise(typed: str) -> str:
    """What a citizen typed, without spaces and dashes, in capitals (a code is read aloud)."""
    return "".join(ch for ch in (typed or "").upper() if ch not in " -－—\t")[: LENGTH * 2]


def new_salt() -> str:
    return secrets.token_hex(16)


def digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def matches(salt: str, expected: str, typed: str) -> bool:
    return hmac.compare_digest(digest(salt, normalise(typed)), expected)
