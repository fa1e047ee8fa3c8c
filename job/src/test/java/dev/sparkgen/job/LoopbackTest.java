package dev.sparkgen.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sparkgen.job.config.JobConfig;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * A local run stays on this machine: the command line's session (BatchJob.session) binds the
 * driver and its block manager to 127.0.0.1 and starts no web UI unless spark_ui=true; the sockets
 * this JVM listens on while a job runs are all on loopback.
 */
class LoopbackTest {

  @Test
  void localSessionsListenOnLoopbackOnlyAndStartNoUi() throws Exception {
    assumeTrue(ListeningSockets.available(), "needs Linux /proc");
    JobConfig cfg = TestSpark.settings("master", "local[2]");
    SparkSession spark = BatchJob.session(cfg);
    try {
      assertTrue(spark.sparkContext().uiWebUrl().isEmpty(), "no UI");
      assertEquals(10, spark.range(10).count()); // a job: executor threads and block manager in use
      List<String> listening = ListeningSockets.of(List.of(ProcessHandle.current().pid()));
      assertFalse(listening.isEmpty(), "the driver's RPC and block manager listen somewhere");
      for (String address : listening) {
        assertTrue(ListeningSockets.loopback(address), "listening on " + address + " (all: " + listening + ")");
      }
    } finally {
      spark.stop();
    }
  }

  @Test
  void uiOnlyWhenAskedAndClusterMastersAreLeftToSpark() {
    SparkConf local = BatchJob.sparkConf(TestSpark.settings("master", "local[4]"));
    assertEquals("127.0.0.1", local.get("spark.driver.bindAddress"));
    assertEquals("127.0.0.1", local.get("spark.driver.host"));
    assertEquals("false", local.get("spark.ui.enabled"));
    assertEquals("true", BatchJob.sparkConf(TestSpark.settings("master", "local[4]", "spark_ui", "true"))
        .get("spark.ui.enabled"));
    SparkConf cluster = BatchJob.sparkConf(TestSpark.settings("master", "spark://head:7077"));
    assertFalse(cluster.contains("spark.driver.bindAddress"));
    assertFalse(cluster.contains("spark.ui.enabled")); // Spark's default: the UI, on the cluster's network
    assertEquals("false", BatchJob.sparkConf(TestSpark.settings("master", "spark://head:7077", "spark_ui", "false"))
        .get("spark.ui.enabled"));
    assertTrue(BatchJob.isLocal("local") && BatchJob.isLocal("local[*]") && BatchJob.isLocal("local-cluster[2,1,1024]"));
    assertFalse(BatchJob.isLocal("yarn") || BatchJob.isLocal("k8s://x") || BatchJob.isLocal("spark://localhost:7077"));
  }

  @Test
  void executorsGetAPassiveOpenMpWaitAndHugePagesUnlessSparkWasToldOtherwise() {
    SparkConf conf = BatchJob.sparkConf(TestSpark.settings("master", "spark://head:7077"));
    assertEquals("PASSIVE", conf.get("spark.executorEnv.OMP_WAIT_POLICY"));
    assertEquals("1", conf.get("spark.executorEnv.THP_MEM_ALLOC_ENABLE"));
    System.setProperty("spark.executorEnv.THP_MEM_ALLOC_ENABLE", "0"); // as spark-submit --conf passes it
    try {
      assertEquals("0", BatchJob.sparkConf(TestSpark.settings("master", "spark://head:7077"))
          .get("spark.executorEnv.THP_MEM_ALLOC_ENABLE"));
    } finally {
      System.clearProperty("spark.executorEnv.THP_MEM_ALLOC_ENABLE");
    }
  }
}
