"""The ballot draw, pure (no Django): the same seed and entries give the same winners on any
machine. Specified in docs/registration.md; manage.py ballot_verify re-runs it from the published
data.

- commitment = SHA-256 of the seed (64 hex characters), published before the window closes;
- the published data: {"capacity": C, "shares": [percent per quota group, in order], "entries":
  [[registration id, [positions of the quota groups it qualifies for]], ...]}, entries in ascending
  id order; its hash = SHA-256 of its JSON with keys sorted and no spaces;
- the draw order: a Fisher-Yates shuffle of the ids (in that order) whose random numbers are the
  first 8 bytes, big-endian, of SHA-256("<seed>:<counter>") for counter 0, 1, 2 ..., a number
  below n taken by rejection (draws of 2**64 - 2**64 % n or more are discarded);
- riders who did not show up twice or more in the last 12 months ("later": their ids, when the
  organizer chose it) are moved, in their drawn order, behind everyone else;
- the selection: each quota group in turn takes floor(C * share / 100) seats from its qualifying
  entries in draw order; then the open draw fills the remaining seats in draw order from everyone
  not yet selected (a quota's unfilled seats fall to it)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator

TWO_64 = 2**64


def commitment(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()


def data_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _numbers(seed: str) -> Iterator[int]:
    counter = 0
    while True:
        yield int.from_bytes(hashlib.sha256(f"{seed}:{counter}".encode()).digest()[:8], "big")
        counter += 1


def shuffled(ids: list[int], seed: str) -> list[int]:
    order = list(ids)
    numbers = _numbers(seed)
    for i in range(len(order) - 1, 0, -1):
        n = i + 1
        limit = TWO_64 - TWO_64 % n
        while (x := next(numbers)) >= limit:
            pass
        j = x % n
        order[i], order[j] = order[j], order[i]
    return order


def draw(data: dict, seed: str) -> tuple[list[int], list[int]]:
    """(the draw order of every entry, the winners in draw order)."""
    entries = data["entries"]
    groups = {entry_id: set(group_list) for entry_id, group_list in entries}
    order = shuffled([entry_id for entry_id, _groups in entries], seed)
    later = set(data.get("later", []))
    if later:  # lower priority for repeated no-shows: behind everyone else, in their drawn order
        order = [i for i in order if i not in later] + [i for i in order if i in later]
    capacity = data["capacity"]
    chosen: set[int] = set()
    for group, share in enumerate(data["shares"]):
        seats = capacity * share // 100
        taken = 0
        for entry_id in order:
            if taken >= seats or len(chosen) >= capacity:
                break
            if entry_id not in chosen and group in groups[entry_id]:
                chosen.add(entry_id)
                taken += 1
    for entry_id in order:
        if len(chosen) >= capacity:
            break
        chosen.add(entry_id)
    return order, [entry_id for entry_id in order if entry_id in chosen]
