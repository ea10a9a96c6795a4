"""The Spark session: local by default, any cluster by master URL (GROUPS_SPARK_MASTER)."""

from __future__ import annotations

import os
import sys

from dagster_pyspark import LazyPySparkResource

# Every file read by the pipeline is its own partition, so a record's position in its file is
# exact (CONTRACT.md breaks duplicate ties by file order) without a second pass over the data.
ONE_FILE_PER_PARTITION = str(1 << 40)


def spark_config(master: str) -> dict[str, str]:
    """Spark settings sized for a small machine; a cluster overrides them with spark-defaults."""
    # Executors must run this interpreter (it has psycopg and pyarrow for the COPY); Spark
    # reads PYSPARK_PYTHON when it starts Python workers. A cluster may set its own.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master.startswith("local"):
        # Loopback only: executors (separate JVMs under local-cluster) and the driver meet here.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    return {
        "spark.master": master,
        "spark.app.name": "groups-pipeline",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.ansi.enabled": "true",
        "spark.sql.shuffle.partitions": str(max(2, (os.cpu_count() or 2) * 2)),
        "spark.sql.files.maxPartitionBytes": ONE_FILE_PER_PARTITION,
        "spark.sql.files.openCostInBytes": ONE_FILE_PER_PARTITION,
        "spark.sql.execution.arrow.maxRecordsPerBatch": "65536",
        # Validation computes each field once into a column and builds rules on those columns;
        # collapsing the projections would inline (and repeat) the costly expressions again.
        "spark.sql.optimizer.excludedRules": "org.apache.spark.sql.catalyst.optimizer.CollapseProject",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.log.level": "ERROR",
        "spark.driver.memory": "2g",
    }


def spark_resource(master: str) -> LazyPySparkResource:
    return LazyPySparkResource(spark_config=spark_config(master))
