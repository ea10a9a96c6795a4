"""Spark DataFrames between steps as Parquet, one folder per asset and sync day.

The base folder is local by default (GROUPS_STAGING_DIR); on a cluster it is any
Hadoop-compatible URL that the driver and every executor can reach.
"""

from dagster import ConfigurableIOManager, InputContext, MetadataValue, OutputContext
from dagster_pyspark import LazyPySparkResource
from pyspark.sql import DataFrame


class SparkParquetIOManager(ConfigurableIOManager):
    spark: LazyPySparkResource
    base_dir: str

    def _path(self, context: InputContext | OutputContext) -> str:
        asset = "/".join(context.asset_key.path)
        # The run's day: asset checks are not partitioned, but they run in a day's run.
        day = context.partition_key if context.has_partition_key else context.asset_partition_key
        return f"{self.base_dir.rstrip('/')}/{asset}/{day}"

    def handle_output(self, context: OutputContext, obj: DataFrame) -> None:
        path = self._path(context)
        obj.write.mode("overwrite").parquet(path)
        rows = self.spark.spark_session.read.parquet(path).count()
        context.add_output_metadata({"records": rows, "path": MetadataValue.path(path)})

    def load_input(self, context: InputContext) -> DataFrame:
        return self.spark.spark_session.read.parquet(self._path(context))
