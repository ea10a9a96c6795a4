"""The Spark session's JVM is started with the compilers chosen for the size of the day: C1 alone
for a small day, C1 and C2 for a large one (resources/spark.py)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from groups_assets.resources.spark import FULL_JIT_BYTES

# A JVM of its own per case: the test session's JVM is already up.
pytestmark = pytest.mark.slow

_PROBE = """
import sys
from groups_assets.resources.spark import session, spark_config
from groups_assets.settings import load_settings
spark = session(spark_config("local[1]", load_settings().cache_dir), int(sys.argv[1]))
jvm = spark.sparkContext._jvm
print(" ".join(jvm.java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments()))
"""


def _jvm_arguments(input_bytes: int) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(input_bytes)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.split()


@pytest.mark.parametrize(
    "input_bytes, c1_only",
    [(FULL_JIT_BYTES - 1, True), (FULL_JIT_BYTES, False)],
    ids=["just-under", "large"],
)
def test_compilers_follow_the_size_of_the_day(input_bytes, c1_only):
    arguments = _jvm_arguments(input_bytes)
    assert ("-XX:TieredStopAtLevel=1" in arguments) is c1_only
    assert ("-XX:-DontCompileHugeMethods" in arguments) is not c1_only
