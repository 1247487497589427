"""How long a fuzz run is and which examples it draws (docs/testing.md#fuzzing).

``FLEXFIN_FUZZ_EXAMPLES``: examples per generated-operations test (CI: the default; ``make
fuzz``: more). ``FLEXFIN_FUZZ_SEED``: the seed of every run of the day, by default the date
(UTC) as ``YYYYMMDD``: a CI run is reproducible all day, and each day explores anew."""

import os
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, seed, settings

EXAMPLES = int(os.environ.get("FLEXFIN_FUZZ_EXAMPLES", "60"))
SEED = int(os.environ.get("FLEXFIN_FUZZ_SEED", datetime.now(UTC).strftime("%Y%m%d")))


def fuzzed(test: Callable[..., Any]) -> Callable[..., Any]:
    """Hypothesis settings of a fuzz test: ``EXAMPLES`` examples from ``SEED``, no deadline."""
    return seed(SEED)(
        settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )(test)
    )
