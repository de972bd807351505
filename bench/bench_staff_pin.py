"""Cost of a staff PIN check: scrypt (the stored parameters) against one plain SHA-256 of the
same PIN in the same run, and what that means for an attacker who copied the staff file
(offline, one core) and for one at the keypad (online, bounded by the lockout policy).

    python bench/bench_staff_pin.py
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.staff.lockout import LockoutPolicy
from kiosk.staff.pins import PinHash, hash_pin, verify_pin


def _best_of(fn: object, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t)
    return best


def online_guesses_per_day(policy: LockoutPolicy) -> int:
    """Wrong PINs an attacker at the keypad can try in 24 h against one staff id."""
    t, guesses, lockouts = 0.0, 0, 0
    while True:
        lockouts += 1
        t += policy.backoff_s(lockouts)
        if t > 86400:
            return guesses + policy.max_attempts
        guesses += policy.max_attempts


def main() -> dict[str, float]:
    stored = PinHash.parse(hash_pin("246810"))
    scrypt_s = _best_of(lambda: verify_pin("135790", stored), 5)
    sha_s = _best_of(lambda: hashlib.sha256(stored.salt + b"135790").digest(), 2000)
    six_digit_space = 10**6
    results = {
        "scrypt_verify_ms": round(scrypt_s * 1000, 1),
        "sha256_baseline_us": round(sha_s * 1e6, 2),
        "ratio_scrypt_vs_sha256": round(scrypt_s / sha_s),
        "offline_core_days_for_6_digit_space": round(scrypt_s * six_digit_space / 86400, 2),
        "online_guesses_per_day_default_policy": online_guesses_per_day(LockoutPolicy(5, 60, 3600)),
    }
    for k, v in results.items():
        print(f"{k:>40}: {v}")
    out = Path(__file__).resolve().parent / "results"
    out.mkdir(exist_ok=True)
    (out / "bench_staff_pin.json").write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
